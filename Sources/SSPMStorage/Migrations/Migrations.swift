/// Every migration, in the order they run. A schema change is a new file in this folder (named
/// after its id) and a line at the end of this list. Released migrations are history: their ids
/// and SQL are recorded in `schema_migrations` and must never change (UpgradeTests holds the
/// released ones equal to their frozen copy).
public enum Migrations {
    public static let all: [Migration] = [
        m0001Initial,
        m0002SyncCheckpoints,
        m0003Service,
        m0004SigninThrottle,
        m0005Providers,
        m0006ActivityEvents,
        m0007Detection,
        m0008ConnectorPairings,
    ]
}
