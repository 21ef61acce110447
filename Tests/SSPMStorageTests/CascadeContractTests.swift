import Foundation
import SQLKit
import SSPMCore
import SSPMStorage
import SSPMTestSupport
import Testing

/// Deleting a connector (or an operator) deletes its data by `ON DELETE CASCADE` alone. The tables
/// are found in the schema, not listed here, so a table added later is covered without a change:
/// each is filled with a row for a doomed and a kept parent, the doomed parent is deleted through
/// its store, and the table must keep exactly the kept parent's row.
extension StoreContractTests {
    @Test("cascades: every table referencing connectors or operators loses the deleted parent's rows and keeps the other's", arguments: Backend.available)
    func cascades(_ backend: Backend) async throws {
        try await backend.withStorage { (storage: SQLStorage) async throws -> Void in
            if !storage.isPostgres {
                // Through the stores' own connection: with the pragma off, SQLite ignores every cascade.
                let on = try await storage.withSQL { db in try await db.raw("PRAGMA foreign_keys").first()?.decode(column: "foreign_keys", as: Int.self) }
                #expect(on == 1, "SQLite runs with PRAGMA foreign_keys off: no ON DELETE CASCADE would fire")
            }
            let schema = try await Schema.read(storage)
            let connectors = SQLConnectorStore(storage: storage, box: Self.box)
            let auth = SQLAuthStore(storage: storage)
            for id in ["c-doomed", "c-kept"] {
                try await connectors.create(ConnectorRecord.zoom(id: id, name: id, accountID: "a-\(id)", clientID: "client-\(id)"), credentials: .zoom(clientSecret: "x"))
            }
            for id in ["o-doomed", "o-kept"] {
                #expect(try await auth.createOperator(Operator(id: id, email: "\(id)@example.com", role: "admin"), passwordHash: "h"))
            }
            // A row in another parent table than the one under test points at its kept row.
            let kept = ["connectors": "c-kept", "operators": "o-kept"]

            let cases: [(parent: String, doomed: String, atLeast: Set<String>, delete: @Sendable () async throws -> Void)] = [
                ("connectors", "c-doomed",
                 ["activities", "scans", "sync_checkpoints", "connector_events", "sync_jobs", "sync_runs", "inventories", "score_daily",
                  "control_states", "control_state_changes", "connector_pairings"],
                 { try await connectors.delete(id: "c-doomed") }),
                ("operators", "o-doomed", ["sessions", "api_tokens"],
                 {
                     let deleted = try await auth.deleteOperator(id: "o-doomed")
                     #expect(deleted == .removed)
                 }),
            ]
            for (parent, doomed, atLeast, delete) in cases {
                let children = schema.references(to: parent)
                // A floor, so a discovery query that finds nothing cannot pass.
                #expect(atLeast.isSubset(of: Set(children.map(\.table))), "tables referencing \(parent) found in the schema: \(children.map(\.table))")
                var filled = Set<String>()
                for child in children {
                    #expect(child.onDeleteCascades, "\(child.table).\(child.column) references \(parent) without ON DELETE CASCADE")
                    // A table referencing the parent twice (connector_pairings) gets one row per owner,
                    // with every reference to the parent pointing at that owner.
                    guard filled.insert(child.table).inserted else { continue }
                    for owner in [doomed, kept[parent]!] {
                        try await schema.insertRow(into: child.table, storage: storage) { reference in
                            reference.parent == parent ? owner : kept[reference.parent]
                        }
                    }
                }
                try await delete()
                for child in children {
                    #expect(try await schema.count(child, owner: doomed, storage: storage) == 0, "\(child.table) kept rows of the deleted \(parent) row")
                    #expect(try await schema.count(child, owner: kept[parent]!, storage: storage) == 1, "\(child.table) lost rows of the kept \(parent) row")
                }
            }
        }
    }
}

/// The foreign keys and columns of a database, read from its catalogue (SQLite's pragmas,
/// PostgreSQL's pg_constraint and information_schema), and rows made up to fit them.
struct Schema {
    struct Reference {
        var table: String
        var column: String
        var parent: String
        var onDeleteCascades: Bool
    }

    struct Column {
        var name: String
        var type: String
        var notNull: Bool
        var hasDefault: Bool
        var primaryKey: Bool
    }

    var references: [Reference]
    var columns: [String: [Column]]

    func references(to parent: String) -> [Reference] { references.filter { $0.parent == parent }.sorted { $0.table < $1.table } }

    static func read(_ storage: SQLStorage) async throws -> Schema {
        let postgres = storage.isPostgres
        return try await storage.withSQL { db in
            let foreignKeys: SQLQueryString = postgres
                ? """
                  SELECT c.conrelid::regclass::text AS child, a.attname::text AS child_column, c.confrelid::regclass::text AS parent,
                         c.confdeltype::text AS on_delete
                  FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                  WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
                  """
                : """
                  SELECT m.name AS child, f."from" AS child_column, f."table" AS parent, f.on_delete AS on_delete
                  FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'
                  """
            let references = try await db.raw(foreignKeys).all().map { row in
                let onDelete = try row.decode(column: "on_delete", as: String.self)
                return Reference(table: try row.decode(column: "child", as: String.self), column: try row.decode(column: "child_column", as: String.self),
                                 parent: try row.decode(column: "parent", as: String.self), onDeleteCascades: onDelete == (postgres ? "c" : "CASCADE"))
            }
            var columns: [String: [Column]] = [:]
            for table in Set(references.map(\.table)) {
                let query: SQLQueryString = postgres
                    ? """
                      SELECT column_name::text AS name, data_type::text AS type, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null,
                             column_default::text AS dflt_value, 0 AS pk
                      FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(bind: table)
                      """
                    : "SELECT name, type, \"notnull\" AS not_null, dflt_value, pk FROM pragma_table_info(\(bind: table))"
                columns[table] = try await db.raw(query).all().map { row in
                    Column(name: try row.decode(column: "name", as: String.self), type: try row.decode(column: "type", as: String.self).uppercased(),
                           notNull: try row.decode(column: "not_null", as: Int.self) != 0, hasDefault: try row.decode(column: "dflt_value", as: String?.self) != nil,
                           primaryKey: try row.decode(column: "pk", as: Int.self) != 0)
                }
            }
            return Schema(references: references, columns: columns)
        }
    }

    /// Inserts one row into `table`: each foreign key column gets the id `owner` names for its
    /// reference, every other column that needs a value a made-up one of its type (distinct per row).
    func insertRow(into table: String, storage: SQLStorage, owner: (Reference) -> String?) async throws {
        let serial = Int64.random(in: 1...Int64(Int32.max))
        var names: SQLQueryString = ""
        var values: SQLQueryString = ""
        var count = 0
        for column in columns[table] ?? [] {
            let value: any Encodable & Sendable
            if let reference = references.first(where: { $0.table == table && $0.column == column.name }) {
                guard let id = owner(reference) else {
                    Issue.record("\(table).\(column.name) references \(reference.parent): teach this test to make a \(reference.parent) row")
                    return
                }
                value = id
            } else if column.primaryKey || (column.notNull && !column.hasDefault) {
                if column.type.contains("INT") {
                    value = serial
                } else if ["REAL", "DOUB", "FLOA", "NUMERIC"].contains(where: column.type.contains) {
                    value = Double(serial) + 0.5
                } else {
                    value = "\(table).\(column.name).\(serial)"
                }
            } else {
                continue  // nullable or defaulted: left to the database
            }
            if count > 0 {
                names.appendLiteral(", ")
                values.appendLiteral(", ")
            }
            count += 1
            names.appendInterpolation(ident: column.name)
            values.appendInterpolation(bind: value)
        }
        let statement: SQLQueryString = "INSERT INTO \(ident: table) (" + names + ") VALUES (" + values + ")"
        try await storage.withSQL { db in try await db.raw(statement).run() }
    }

    func count(_ reference: Reference, owner: String, storage: SQLStorage) async throws -> Int {
        try await storage.withSQL { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(ident: reference.table) WHERE \(ident: reference.column) = \(bind: owner)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
