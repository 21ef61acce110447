import Foundation

/// 0006: activities hold the normalised event in columns rules filter on. `kind` becomes `stream`
/// and `user_email` `actor` (their indexes follow); new: `provider`, `category`, `action`,
/// `target`, `outcome`, `client`, `detail`, and `mapping_version` — the provider's mapping that
/// filled them. Rows written before are Zoom's and have no mapping yet (NULL): the server maps them
/// from their stored payload at start (`ActivityRemapper`), so the mapping lives in one place, the
/// provider, and a better mapping later re-maps old rows the same way.
extension Migrations {
    static let m0006ActivityEvents = Migration(id: "0006_activity_events") { postgres in
        var statements = [
            "ALTER TABLE activities RENAME COLUMN kind TO stream",
            "ALTER TABLE activities RENAME COLUMN user_email TO actor",
            "ALTER TABLE activities ADD COLUMN provider TEXT NOT NULL DEFAULT 'zoom'",
            "ALTER TABLE activities ADD COLUMN category TEXT",
            "ALTER TABLE activities ADD COLUMN action TEXT",
            "ALTER TABLE activities ADD COLUMN target TEXT",
            "ALTER TABLE activities ADD COLUMN outcome TEXT",
            "ALTER TABLE activities ADD COLUMN client TEXT",
            "ALTER TABLE activities ADD COLUMN detail TEXT",
            "ALTER TABLE activities ADD COLUMN mapping_version INTEGER",
            "CREATE INDEX activities_connector_action ON activities (connector_id, category, action, occurred_at)",
            "CREATE INDEX activities_connector_target ON activities (connector_id, target, occurred_at)",
            // Only the rows not mapped yet are in it, so the webhook path's inserts do not pay for it.
            "CREATE INDEX activities_unmapped ON activities (provider) WHERE mapping_version IS NULL",
        ]
        // PostgreSQL can drop the default: a writer that forgets the provider fails instead of
        // labelling its rows Zoom's. (SQLite cannot drop a column default; the store always sets it.)
        if postgres { statements.append("ALTER TABLE activities ALTER COLUMN provider DROP DEFAULT") }
        return statements
    }
}
