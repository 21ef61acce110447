import Foundation
import SQLKit
import SSPMCore

extension Migrations {
    /// 0005: connectors know their provider. Zoom's columns (`account_id`, `client_id UNIQUE`,
    /// `plan`, `api_url`, `token_url`) become the provider's settings JSON; the two sealed secrets
    /// become one sealed credentials blob; "the same app twice" is `(provider, unique_key)`.
    /// Existing rows are Zoom's. SQLite cannot drop a UNIQUE column, so the table is rebuilt (with
    /// foreign keys off for the transaction, checked before commit); PostgreSQL alters it in place.
    static let m0005Providers = Migration(id: "0005_providers", rebuildsReferencedTable: true, step: moveConnectors) { postgres in
        if postgres {
            return [
                "ALTER TABLE connectors ADD COLUMN provider TEXT NOT NULL DEFAULT 'zoom'",
                "ALTER TABLE connectors ADD COLUMN unique_key TEXT",
                "ALTER TABLE connectors ADD COLUMN settings TEXT",
                "ALTER TABLE connectors ADD COLUMN credentials_sealed TEXT",
            ]
        }
        return [
            """
            CREATE TABLE connectors_new (
                id TEXT PRIMARY KEY, provider TEXT NOT NULL, name TEXT NOT NULL, unique_key TEXT, settings TEXT NOT NULL,
                credentials_sealed TEXT NOT NULL, status TEXT NOT NULL, status_detail TEXT, health TEXT, last_sync_at BIGINT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
        ]
    }

    /// Reads every connector in the old layout, writes it in the new one, then finishes the schema.
    @Sendable static func moveConnectors(_ context: MigrationContext) async throws {
        let db = context.db
        let rows = try await db.raw("SELECT * FROM connectors").all()
        if !rows.isEmpty, context.box == nil {
            throw MigrationError("0005_providers re-seals the connectors' secrets and needs the master key: run it through `sspm serve` or `sspm migrate --data-dir DIR` (the directory holding master.key, or SSPM_MASTER_KEY).")
        }
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            let box = context.box!
            var credentials = ConnectorCredentials(["client_secret": try box.open(try row.decode(column: "client_secret_sealed", as: String.self), what: "client secret")])
            if let webhook = try row.decode(column: "webhook_secret_sealed", as: String?.self) {
                credentials["webhook_secret_token"] = try box.open(webhook, what: "webhook secret token")
            }
            var settings: [String: JSONValue] = [
                "account_id": .string(try row.decode(column: "account_id", as: String.self)),
                "client_id": .string(try row.decode(column: "client_id", as: String.self)),
                "plan": .string(try row.decode(column: "plan", as: String.self)),
            ]
            if let api = try row.decode(column: "api_url", as: String?.self) { settings["api_url"] = .string(api) }
            if let token = try row.decode(column: "token_url", as: String?.self) { settings["token_url"] = .string(token) }
            let settingsText = try encodeJSON(JSONValue.object(settings))
            let sealed = try box.seal(try encodeJSON(credentials.values))
            let key = try row.decode(column: "client_id", as: String.self)
            if context.postgres {
                try await db.raw("""
                    UPDATE connectors SET unique_key = \(bind: key), settings = \(bind: settingsText), credentials_sealed = \(bind: sealed) WHERE id = \(bind: id)
                    """).run()
            } else {
                try await db.raw("""
                    INSERT INTO connectors_new (id, provider, name, unique_key, settings, credentials_sealed, status, status_detail, health, last_sync_at, created_at, updated_at)
                    SELECT id, 'zoom', name, \(bind: key), \(bind: settingsText), \(bind: sealed), status, status_detail, health, last_sync_at, created_at, updated_at
                    FROM connectors WHERE id = \(bind: id)
                    """).run()
            }
        }
        let finish: [String] = context.postgres
            ? [
                "ALTER TABLE connectors ALTER COLUMN settings SET NOT NULL",
                "ALTER TABLE connectors ALTER COLUMN credentials_sealed SET NOT NULL",
                "ALTER TABLE connectors ALTER COLUMN provider DROP DEFAULT",
                "ALTER TABLE connectors DROP COLUMN account_id",
                "ALTER TABLE connectors DROP COLUMN client_id",
                "ALTER TABLE connectors DROP COLUMN plan",
                "ALTER TABLE connectors DROP COLUMN api_url",
                "ALTER TABLE connectors DROP COLUMN token_url",
                "ALTER TABLE connectors DROP COLUMN client_secret_sealed",
                "ALTER TABLE connectors DROP COLUMN webhook_secret_sealed",
                "CREATE UNIQUE INDEX connectors_provider_key ON connectors (provider, unique_key)",
            ]
            : [
                "DROP TABLE connectors",
                "ALTER TABLE connectors_new RENAME TO connectors",
                "CREATE UNIQUE INDEX connectors_provider_key ON connectors (provider, unique_key)",
            ]
        for statement in finish { try await db.raw(SQLQueryString(statement)).run() }
    }
}
