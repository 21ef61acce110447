import AsyncHTTPClient
import Foundation
import NIOCore
import Logging
import SSPMCore
import Synchronization
import Testing
@testable import GraphAPI
@testable import GraphSimulator
import GraphProvider
import SSPMProvider

/// The Graph client against the Graph simulator on loopback: tokens and every AADSTS case, paging
/// with `$select`/`$top`, `$filter`, throttling with and without `Retry-After`, a missing
/// application permission, a revoked token, and a next link to another host.
@Suite struct GraphClientTests {
    static let logger = Logger(label: "graph-tests")

    static func tenant(users: Int = 10, permissions: [String] = ["Domain.Read.All", "User.Read.All", "Application.Read.All", "Directory.Read.All"],
                       secretExpired: Bool = false) -> GraphTenant {
        let graphSP = "9f2b1a52-0000-4000-8000-00000000a001"
        return GraphTenant(
            tenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", tenantDomain: "fabrikam.onmicrosoft.com",
            credentials: .init(clientID: "1a2b3c4d-0000-4000-8000-000000000001", clientSecret: "s3cr3t~value", secretExpired: secretExpired, permissions: permissions),
            domains: [["id": "fabrikam.com", "isVerified": true, "isInitial": false, "isDefault": true, "isRoot": true, "isAdminManaged": true,
                       "authenticationType": "Managed", "supportedServices": ["Email", "OfficeCommunicationsOnline"]]],
            users: (0..<users).map { n in
                ["id": .string(String(format: "00000000-0000-4000-8000-%012d", n)), "userPrincipalName": .string("user\(n)@fabrikam.com"),
                 "mail": .string("user\(n)@fabrikam.com"), "accountEnabled": .bool(n % 10 != 0), "userType": "Member", "displayName": .string("User \(n)"),
                 "proxyAddresses": [.string("SMTP:user\(n)@fabrikam.com")]]
            },
            servicePrincipals: [
                ["id": .string(graphSP), "appId": .string(GraphWellKnown.graphAppID), "displayName": "Microsoft Graph",
                 "appRoles": .array(GraphWellKnown.graphAppRoles.map { ["id": .string($0.id), "value": .string($0.value), "isEnabled": true, "allowedMemberTypes": ["Application"]] })],
                ["id": "9f2b1a52-0000-4000-8000-00000000a002", "appId": .string(GraphWellKnown.zoomApplicationPermissionsAppID), "displayName": "Zoom Rooms Application Permissions"],
            ],
            appRoleAssignments: [["id": "ara-1", "appRoleId": "810c84a8-4a9e-49e6-bf7d-12d183f40d01", "principalId": "9f2b1a52-0000-4000-8000-00000000a002",
                                  "principalType": "ServicePrincipal", "resourceId": .string(graphSP), "resourceDisplayName": "Microsoft Graph"]],
            oauth2PermissionGrants: [["id": "grant-1", "clientId": "9f2b1a52-0000-4000-8000-00000000a002", "consentType": "AllPrincipals",
                                      "resourceId": .string(graphSP), "scope": "User.Read Calendars.ReadWrite"]])
    }

    static func with<T: Sendable>(_ tenant: GraphTenant, credentials: ((GraphTenant) -> GraphCredentials)? = nil,
                                  configure: (inout GraphClientConfiguration) -> Void = { _ in },
                                  _ body: (GraphClient, RunningGraphSimulator) async throws -> T) async throws -> T {
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var configuration = GraphClientConfiguration(cloud: GraphCloud(loginURL: sim.baseURL, graphURL: sim.baseURL))
        configuration.backoff = .milliseconds(50)
        configure(&configuration)
        let creds = credentials?(tenant) ?? GraphCredentials(tenantID: tenant.tenantID, clientID: tenant.credentials.clientID,
                                                             clientSecret: Secret(tenant.credentials.clientSecret))
        let client = GraphClient(credentials: creds, configuration: configuration, http: http, logger: logger)
        do {
            let result = try await body(client, sim)
            try await http.shutdown()
            await sim.stop()
            return result
        } catch {
            try? await http.shutdown()
            await sim.stop()
            throw error
        }
    }

    @Test("every token refusal reads as what to do: a wrong secret (7000215), an expired one (7000222), an unknown app (700016), an unknown tenant (90002); the secret is never in the message")
    func tokenErrors() async throws {
        let t = Self.tenant()
        let cases: [(GraphCredentials, GraphTenant, GraphAPIError.Kind, String)] = [
            (GraphCredentials(tenantID: t.tenantID, clientID: t.credentials.clientID, clientSecret: "not-the-secret"), t, .wrongSecret, "Value, not its Secret ID"),
            (GraphCredentials(tenantID: t.tenantID, clientID: t.credentials.clientID, clientSecret: Secret(t.credentials.clientSecret)), Self.tenant(secretExpired: true),
             .expiredSecret, "has expired"),
            (GraphCredentials(tenantID: t.tenantID, clientID: "ffffffff-0000-4000-8000-000000000009", clientSecret: "x"), t, .appNotFound, "client ID"),
            (GraphCredentials(tenantID: "00000000-dead-4000-8000-000000000000", clientID: t.credentials.clientID, clientSecret: "x"), t, .tenantNotFound, "(tenant) ID"),
        ]
        for (credentials, tenant, kind, words) in cases {
            try await Self.with(tenant, credentials: { _ in credentials }) { client, _ in
                do {
                    try await client.checkToken()
                    Issue.record("a token for \(kind)")
                } catch let error as GraphAPIError {
                    #expect(error.kind == kind)
                    #expect(error.description.contains(words), "\(error)")
                    #expect(!error.description.contains("s3cr3t"))
                }
            }
        }
        // The tenant's domain name works as well as its id, and its id is found from it (the tenant's
        // OpenID configuration); an unknown domain has none.
        try await Self.with(t, credentials: { GraphCredentials(tenantID: "fabrikam.onmicrosoft.com", clientID: $0.credentials.clientID, clientSecret: Secret($0.credentials.clientSecret)) }) { client, _ in
            try await client.checkToken()
            #expect(await client.tenantGUID() == t.tenantID.lowercased())
        }
        try await Self.with(t, credentials: { GraphCredentials(tenantID: "nobody.onmicrosoft.com", clientID: $0.credentials.clientID, clientSecret: Secret($0.credentials.clientSecret)) }) { client, _ in
            #expect(await client.tenantGUID() == nil)
        }
    }

    @Test("a login or Graph URL whose port is over 65535 is an error that says so, not a stopped process (the networking library traps on it)")
    func unsendablePort() async throws {
        let t = Self.tenant()
        try await Self.with(t, configure: { $0.cloud = GraphCloud(loginURL: "http://127.0.0.1:99999", graphURL: "http://127.0.0.1:99999") }) { client, _ in
            do {
                try await client.checkToken()
                Issue.record("a token from port 99999")
            } catch let error as GraphAPIError {
                #expect(error.description.contains("port must be 1 to 65535"), "\(error)")
            }
        }
    }

    @Test("users over several pages: $select and $top=999 go out, every next link is followed back to the same host, only the selected fields come back")
    func paging() async throws {
        try await Self.with(Self.tenant(users: 2_345)) { client, sim in
            let users = try await client.list("/users", select: ["id", "userPrincipalName", "accountEnabled"], top: 999)
            #expect(users.count == 2_345)
            #expect(Set(users.compactMap { $0["userPrincipalName"]?.stringValue }).count == 2_345)
            #expect(users.allSatisfy { ($0.objectValue?.keys.sorted() ?? []) == ["accountEnabled", "id", "userPrincipalName"] })
            #expect(await sim.engine.served["GET /users"] == 3)
            #expect(await client.stats.requests == 3)
            // The default page is 100.
            let all = try await client.list("/users")
            #expect(all.count == 2_345 && all.first?["proxyAddresses"] != nil)
            #expect(await sim.engine.served["GET /users"] == 3 + 24)
        }
    }

    @Test("$filter on appId finds Zoom's service principal; its app role assignments and the delegated grants read; an unknown field in $select and an unsupported filter are Graph's 400s")
    func filters() async throws {
        try await Self.with(Self.tenant()) { client, _ in
            let zoom = try await client.list("/servicePrincipals", filter: "appId eq '\(GraphWellKnown.zoomApplicationPermissionsAppID)'")
            #expect(zoom.count == 1)
            let id = try #require(zoom.first?["id"]?.stringValue)
            let assignments = try await client.list("/servicePrincipals/\(id)/appRoleAssignments")
            #expect(assignments.first?["appRoleId"]?.stringValue == "810c84a8-4a9e-49e6-bf7d-12d183f40d01")
            let grants = try await client.list("/oauth2PermissionGrants", filter: "clientId eq '\(id)'")
            #expect(grants.first?["consentType"]?.stringValue == "AllPrincipals")
            do {
                _ = try await client.list("/users", select: ["id", "favouriteColour"])
                Issue.record("an unknown property was selected")
            } catch let error as GraphAPIError {
                guard case .api(400, "Request_BadRequest", let message) = error.kind else { Issue.record("\(error)"); return }
                #expect(message.contains("favouriteColour"))
            }
            do {
                _ = try await client.list("/users", filter: "startswith(displayName,'A')")
                Issue.record("an unsupported filter was answered")
            } catch let error as GraphAPIError {
                #expect(error.kind == .api(status: 400, code: "Request_UnsupportedQuery", message: "Unsupported Query."))
            }
            // An empty name in $select is no property either, on a collection and on one object.
            await #expect(throws: GraphAPIError.self) { _ = try await client.list("/users", select: ["id", ""]) }
            await #expect(throws: GraphAPIError.self) { _ = try await client.object("/servicePrincipals/\(id)", select: ["", "appId"]) }
            #expect(try await client.object("/servicePrincipals/\(id)", select: ["appId"])["appId"]?.stringValue == GraphWellKnown.zoomApplicationPermissionsAppID)
            let missing = "/servicePrincipals/00000000-0000-0000-0000-000000000000/appRoleAssignments"
            await #expect(throws: GraphAPIError.self) { _ = try await client.list(missing) }
        }
    }

    @Test("throttling: 429s with Retry-After are waited out, without it backed off; past the retry budget the read fails as throttled; 503 likewise")
    func throttling() async throws {
        try await Self.with(Self.tenant(users: 250), configure: { $0.maxRetries = 3 }) { client, sim in
            await sim.engine.setFaults({ var f = GraphFaults(); f.throttle = 2; f.retryAfter = 0.2; return f }())
            let started = ContinuousClock.now
            #expect(try await client.list("/users", top: 100).count == 250)
            #expect(ContinuousClock.now - started >= .milliseconds(400))
            #expect(await client.stats.throttled == 2)
            await sim.engine.setFaults({ var f = GraphFaults(); f.throttle = 2; f.omitRetryAfter = true; return f }())
            #expect(try await client.list("/domains").count == 1)
            await sim.engine.setFaults({ var f = GraphFaults(); f.serverErrors = 1; f.retryAfter = 0.1; return f }())
            #expect(try await client.list("/domains").count == 1)
            await sim.engine.setFaults({ var f = GraphFaults(); f.throttle = 10; f.retryAfter = 0.05; return f }())
            do {
                _ = try await client.list("/domains")
                Issue.record("read through a throttle longer than the budget")
            } catch let error as GraphAPIError {
                #expect(error.kind == .throttled(retryAfter: "0.05"))
                #expect(error.description.contains("throttled"))
            }
            // A Retry-After far beyond the longest wait (1e17 s) is given up on, not converted into a trap.
            await sim.engine.setFaults({ var f = GraphFaults(); f.throttle = 1; f.retryAfter = 1e17; return f }())
            do {
                _ = try await client.list("/domains")
                Issue.record("read through a 1e17-second throttle")
            } catch let error as GraphAPIError {
                #expect(error.description.contains("throttled"), "\(error)")
            }
        }
        // A Retry-After longer than the client waits fails at once.
        try await Self.with(Self.tenant(), configure: { $0.longestWait = .seconds(5) }) { client, sim in
            await sim.engine.setFaults({ var f = GraphFaults(); f.throttle = 1; f.retryAfter = 600; return f }())
            await #expect(throws: GraphAPIError.self) { _ = try await client.list("/domains") }
        }
    }

    @Test("a missing application permission names the ones that would do; a revoked token is fetched again once")
    func permissionsAndTokens() async throws {
        try await Self.with(Self.tenant(permissions: ["User.Read.All"])) { client, sim in
            do {
                _ = try await client.list("/servicePrincipals", permissions: ["Application.Read.All", "Directory.Read.All"])
                Issue.record("read without the permission")
            } catch let error as GraphAPIError {
                #expect(error.kind == .missingPermission(needs: ["Application.Read.All", "Directory.Read.All"]))
                #expect(error.description.contains("grant admin consent"))
            }
            #expect(try await client.list("/users").count == 10)
            await sim.engine.revokeAllTokens()
            #expect(try await client.list("/users").count == 10)
            #expect(await client.tokenFetches() == 2)
        }
    }

    @Test("a next link to another host is not followed (the token would go with it); national clouds have their own hosts")
    func origins() {
        #expect(GraphClient.sameOrigin("https://graph.microsoft.com/v1.0/users?$skiptoken=x", "https://graph.microsoft.com"))
        #expect(!GraphClient.sameOrigin("https://graph.microsoft.com.evil.example/v1.0/users", "https://graph.microsoft.com"))
        #expect(!GraphClient.sameOrigin("http://graph.microsoft.com/v1.0/users", "https://graph.microsoft.com"))
        #expect(!GraphClient.sameOrigin("http://127.0.0.1:8081/v1.0/users", "http://127.0.0.1:8080"))
        #expect(GraphCloud.named["china"]?.graphURL == "https://microsoftgraph.chinacloudapi.cn")
    }
}

@Suite struct GraphDirectoryReaderTests {
    @Test("the directory read: domains, users with their aliases (smtp: addresses), Zoom's application found by app id with its permissions named through Graph's own appRoles and its delegated grants")
    func read() async throws {
        try await GraphClientTests.with(GraphClientTests.tenant(users: 1_200)) { client, sim in
            let reader = GraphDirectoryReader(client: client, tenantID: "t", applicationIDs: [GraphWellKnown.zoomApplicationPermissionsAppID, GraphWellKnown.zoomFullDelegateAppID],
                                              logger: GraphClientTests.logger)
            let snapshot = await reader.read(at: Date())
            #expect(snapshot.unavailable.isEmpty, "\(snapshot.unavailable)")
            #expect(snapshot.domains == [.init(name: "fabrikam.com", verified: true, initial: false, services: ["Email", "OfficeCommunicationsOnline"])])
            #expect(snapshot.users?.count == 1_200)
            #expect(snapshot.users?.first?.aliases == ["user0@fabrikam.com"] && snapshot.users?.first?.enabled == false)
            let zoom = try #require(snapshot.applications?.first)
            #expect(snapshot.applications?.count == 1)  // the other app is not in this tenant
            #expect(zoom.applicationPermissions == ["Mail.Read"])
            #expect(zoom.delegatedGrants == [.init(scopes: ["User.Read", "Calendars.ReadWrite"], allPrincipals: true)])
            #expect(await sim.engine.served["GET /users"] == 2)
        }
    }

    @Test("a user with an odd field (a null alias, accountEnabled as text, a number for a type) costs that field, and a null item itself, not the page: every user is read; an unreadable accountEnabled is not called disabled")
    func oddFields() async throws {
        var tenant = GraphClientTests.tenant(users: 30)
        tenant.users[3]["proxyAddresses"] = [.null, "SMTP:user3@fabrikam.com", 7]
        tenant.users[4]["accountEnabled"] = "yes"
        tenant.users[5]["userType"] = 42
        tenant.users.insert(.null, at: 7)
        try await GraphClientTests.with(tenant) { client, _ in
            let snapshot = await GraphDirectoryReader(client: client, tenantID: "t", applicationIDs: [], logger: GraphClientTests.logger).read(at: Date())
            #expect(snapshot.unavailable.isEmpty, "\(snapshot.unavailable)")
            #expect(snapshot.users?.count == 30)
            let users = snapshot.users ?? []
            #expect(users.first { $0.principalName == "user3@fabrikam.com" }?.aliases == ["user3@fabrikam.com"])
            #expect(users.first { $0.principalName == "user4@fabrikam.com" }?.enabled == true, "an unreadable accountEnabled made a leaver")
            #expect(users.first { $0.principalName == "user5@fabrikam.com" }.map { $0.type == nil } == true)
        }
    }

    @Test("a missing permission leaves that source unavailable with the permission to add; the others are read")
    func missingPermission() async throws {
        try await GraphClientTests.with(GraphClientTests.tenant(permissions: ["User.Read.All", "Domain.Read.All"])) { client, _ in
            let snapshot = await GraphDirectoryReader(client: client, tenantID: "t", applicationIDs: [GraphWellKnown.zoomApplicationPermissionsAppID],
                                                      logger: GraphClientTests.logger).read(at: Date())
            #expect(snapshot.users?.count == 10 && snapshot.domains?.count == 1)
            #expect(snapshot.applications == nil)
            #expect(snapshot.unavailable["applications"]?.contains("Application.Read.All") == true, "\(snapshot.unavailable)")
        }
        // The three permissions the connector asks for, without Directory.Read.All: the apps are read, their delegated grants are not.
        try await GraphClientTests.with(GraphClientTests.tenant(permissions: ["User.Read.All", "Domain.Read.All", "Application.Read.All"])) { client, _ in
            let snapshot = await GraphDirectoryReader(client: client, tenantID: "t", applicationIDs: [GraphWellKnown.zoomApplicationPermissionsAppID],
                                                      logger: GraphClientTests.logger).read(at: Date())
            #expect(snapshot.applications?.first?.applicationPermissions == ["Mail.Read"])
            #expect(snapshot.applications?.first?.delegatedGrants == nil)
            #expect(snapshot.unavailable.keys.sorted() == ["delegatedGrants"] && snapshot.unavailable["delegatedGrants"]?.contains("Directory.Read.All") == true)
        }
    }
}

/// Microsoft's own Graph SDK for Python (msgraph-sdk, from PyPI) against the simulator, unchanged
/// apart from its base URL and a credential that posts to the simulator's token endpoint.
@Suite struct MSGraphSDKTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Clients/msgraph_check.py").path
    }

    /// Runs a command off the cooperative threads; its exit status and standard output.
    static func run(_ arguments: [String]) async throws -> (Int32, String, String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                do {
                    try process.run()
                    let output = out.fileHandleForReading.readDataToEndOfFile()
                    let errors = err.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    @Test("msgraph-sdk lists domains, users with $select over several pages (following the simulator's next links) and Zoom's service principal by $filter")
    func msgraphSDK() async throws {
        guard try await Self.run(["python3", "-c", "import msgraph"]).0 == 0 else {
            print("MSGraphSDKTests: python3 with msgraph-sdk is not installed (pip install msgraph-sdk==1.65.0; .ci/run does), so the SDK check is skipped.")
            return
        }
        let tenant = GraphClientTests.tenant(users: 23)
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: GraphClientTests.logger)
        defer { Task { await sim.stop() } }
        let (status, output, errors) = try await Self.run(["python3", Self.script, "--base", sim.baseURL, "--tenant", tenant.tenantID,
                                                           "--client-id", tenant.credentials.clientID, "--secret", tenant.credentials.clientSecret,
                                                           "--app-id", GraphWellKnown.zoomApplicationPermissionsAppID, "--top", "5"])
        #expect(status == 0, "\(errors.suffix(2000))")
        let answer = try JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))
        #expect(answer["domains"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["fabrikam.com"])
        let upns = answer["users"]?.arrayValue?.compactMap { $0["userPrincipalName"]?.stringValue } ?? []
        #expect(upns == tenant.users.compactMap { $0["userPrincipalName"]?.stringValue })
        #expect(answer["users"]?.arrayValue?.first?["accountEnabled"]?.boolValue == false)
        #expect(answer["pages"]?.intValue == 5)
        #expect(answer["servicePrincipals"]?.arrayValue?.first?["displayName"]?.stringValue == "Zoom Rooms Application Permissions")
        #expect(await sim.engine.served["GET /users"] == 5)
    }
}

/// The simulator's bodies against JSON Schemas extracted from Microsoft Graph's official v1.0
/// metadata (Tests/Fixtures/graph-api/schemas.json; scripts/extract_graph_schemas.py), checked by a
/// plain Python client (scripts/validate_graph_simulator.py) with jsonschema.
@Suite struct GraphSchemaConformanceTests {
    static var scripts: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts").path
    }

    @Test("every object the simulator serves for a generated tenant (domains, users with and without $select, service principals, app role assignments, grants) is valid against Graph's metadata, and the schemas reject broken objects")
    func conformance() async throws {
        guard try await MSGraphSDKTests.run(["python3", "-c", "import jsonschema"]).0 == 0 else {
            print("GraphSchemaConformanceTests: python3 with jsonschema is not installed (pip install jsonschema; .ci/run does), so the check is skipped.")
            return
        }
        let selfTest = try await MSGraphSDKTests.run(["python3", Self.scripts + "/validate_graph_simulator.py", "--self-test"])
        #expect(selfTest.0 == 0 && selfTest.1.contains("6 broken objects rejected"), "\(selfTest.1)\(selfTest.2)")
        let people = (0..<260).map { GraphTenantGenerator.Person(email: "person\($0)@fabrikam.example.com", name: "Person \($0)", active: $0 % 17 != 0) }
        let tenant = GraphTenantGenerator(people: people, domains: ["fabrikam.example.com", "fabrikam-labs.example.com"], seed: 9).generate()
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: GraphClientTests.logger)
        defer { Task { await sim.stop() } }
        let (status, output, errors) = try await MSGraphSDKTests.run(["python3", Self.scripts + "/validate_graph_simulator.py", "--base", sim.baseURL,
                                                                      "--tenant", tenant.tenantID, "--client-id", tenant.credentials.clientID,
                                                                      "--client-secret", tenant.credentials.clientSecret])
        #expect(status == 0, "\(output.suffix(3000))\(errors.suffix(1000))")
        #expect(output.contains("schema check:") && output.contains(" 0 invalid"), "\(output.suffix(500))")
    }
}

/// The Microsoft 365 provider: what an administrator types, the connection check per data source
/// and per missing application permission, and the directory read as its posture.
@Suite struct GraphProviderTests {
    static func context(allowed: [String]? = nil) -> ProviderContext {
        ProviderContext(http: .shared, logger: GraphClientTests.logger, allowedHosts: allowed)
    }

    @Test("prepare: every wrong field is named with where to find the right value; a host outside Microsoft's and the allowed ones is refused; the secret goes to credentials only")
    func prepare() throws {
        let provider = GraphProvider()
        let context = Self.context(allowed: ["127.0.0.1"])
        do {
            _ = try provider.prepare(ConnectionInput(fields: ["tenantId": "not a tenant", "clientId": "abc", "clientSecret": "has space", "cloud": "mars",
                                                             "graphUrl": "https://evil.example/"]), context: context)
            Issue.record("accepted")
        } catch let error as ConnectionInputError {
            #expect(error.problems.count == 5, "\(error.problems)")
            #expect(error.problems.contains { $0.contains("Overview page") } && error.problems.contains { $0.contains("Secret ID") })
            #expect(error.problems.contains { $0.contains("evil.example") })
        }
        let prepared = try provider.prepare(ConnectionInput(fields: ["tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "clientId": "1a2b3c4d-0000-4000-8000-000000000001",
                                                                    "clientSecret": "s3cr3t~value", "graphUrl": "http://127.0.0.1:9901"]), context: context)
        #expect(prepared.credentials["client_secret"] == "s3cr3t~value")
        #expect(!String(describing: prepared.settings).contains("s3cr3t"))
        #expect(prepared.uniqueKey == "72f988bf-86f1-41af-91ab-2d7cd011db47/1a2b3c4d-0000-4000-8000-000000000001")
        #expect(provider.connectionGuide.contains("Domain.Read.All, User.Read.All, Application.Read.All, Directory.Read.All"))
    }

    static func session(_ tenant: GraphTenant, _ sim: RunningGraphSimulator, secret: String? = nil, context: ProviderContext) throws -> any ProviderSession {
        let provider = GraphProvider()
        let prepared = try provider.prepare(ConnectionInput(fields: ["tenantId": tenant.tenantID, "clientId": tenant.credentials.clientID,
                                                                    "clientSecret": secret ?? tenant.credentials.clientSecret,
                                                                    "loginUrl": sim.baseURL, "graphUrl": sim.baseURL]), context: context)
        return try provider.open(settings: prepared.settings, credentials: prepared.credentials, context: context)
    }

    @Test("validate: connected with every permission; without Application.Read.All and Directory.Read.All it is degraded, naming the permissions to add and the sources they stop; a wrong secret is an error in plain words")
    func validate() async throws {
        let context = Self.context()
        let full = GraphClientTests.tenant()
        let sim = try await RunningGraphSimulator.start(tenant: full, logger: GraphClientTests.logger)
        defer { Task { await sim.stop() } }
        let connected = try await Self.session(full, sim, context: context).validate(now: Date())
        #expect(connected.status == .connected && connected.sources.count == 4 && connected.sources.allSatisfy(\.ok), "\(connected.headline)")
        #expect(connected.grantedScopes == ["Domain.Read.All", "User.Read.All", "Application.Read.All", "Directory.Read.All"])
        await sim.engine.update { $0.credentials.permissions = ["Domain.Read.All", "User.Read.All"] }
        let degraded = try await Self.session(full, sim, context: context).validate(now: Date())
        #expect(degraded.status == .degraded)
        #expect(degraded.sources.filter { !$0.ok }.map(\.source.rawValue) == ["microsoft365_applications", "microsoft365_delegated_grants"])
        #expect(degraded.fix?.contains("Application.Read.All, Directory.Read.All") == true && degraded.fix?.contains("Grant admin consent") == true, "\(degraded.fix ?? "")")
        let wrong = try await Self.session(full, sim, secret: "wrong-secret", context: context).validate(now: Date())
        #expect(wrong.status == .error && wrong.headline.contains("AADSTS7000215") && wrong.fix?.contains("new client secret") == true)
        #expect(!wrong.headline.contains("wrong-secret"))
    }

    @Test("the directory read (domains, users, Zoom's apps) leaves unread sources in `unavailable`; the connector's own posture read sends nothing and has no controls")
    func posture() async throws {
        let context = Self.context()
        let tenant = GraphClientTests.tenant(users: 150, permissions: ["Domain.Read.All", "User.Read.All", "Application.Read.All"])
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: GraphClientTests.logger)
        defer { Task { await sim.stop() } }
        let session = try Self.session(tenant, sim, context: context)
        let reading = await session.readPosture(accountName: "x", at: Date())
        #expect(reading.items == 0 && reading.problems.isEmpty)
        #expect(reading.evaluate(PostureInputs(baseline: Baseline(), now: Date())).findings.isEmpty)
        #expect(await session.stats().requests == 0, "the connector's own posture read sent requests")
        let directory = try #require(await session.readDirectory(at: Date()))
        #expect(directory.users?.count == 150 && directory.applications?.first?.applicationPermissions == ["Mail.Read"])
        #expect(directory.unavailable.keys.sorted() == ["delegatedGrants"])
    }
}

@Suite struct GraphSimulatorLimitsTests {
    @Test("a body over the simulator's 1 MiB limit is Graph's 413, not a 500, on the token endpoint and the API")
    func oversizedBody() async throws {
        let tenant = GraphClientTests.tenant()
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: GraphClientTests.logger)
        defer { Task { await sim.stop() } }
        for path in ["/\(tenant.tenantID)/oauth2/v2.0/token", "/v1.0/users"] {
            var request = HTTPClientRequest(url: sim.baseURL + path)
            request.method = path.hasSuffix("token") ? .POST : .GET
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(repeating: UInt8(ascii: "x"), count: 2 << 20))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 413, "\(path)")
            #expect(String(buffer: body).contains("RequestEntityTooLarge"), "\(path)")
        }
    }
}

/// Graph's resource-unit budget in the simulator, on a clock the test moves.
@Suite struct GraphSimulatorBudgetTests {
    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    static func token(_ engine: GraphSimulatorEngine, _ tenant: GraphTenant) async throws -> String {
        let answer = await engine.handle(GraphRequest(method: "POST", path: "/\(tenant.tenantID)/oauth2/v2.0/token",
                                                      query: ["client_id": tenant.credentials.clientID, "client_secret": tenant.credentials.clientSecret,
                                                              "grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default"],
                                                      baseURL: "http://sim"))
        return try #require(answer.body?["access_token"]?.stringValue)
    }

    static func get(_ engine: GraphSimulatorEngine, _ path: String, _ query: [String: String] = [:], token: String) async -> GraphResponse {
        await engine.handle(GraphRequest(method: "GET", path: "/v1.0" + path, query: query, headers: ["authorization": "Bearer " + token], baseURL: "http://sim"))
    }

    static func header(_ response: GraphResponse, _ name: String) -> String? { response.headers.first { $0.0.lowercased() == name }?.1 }

    @Test("costs as documented (users 2, less with $select and a small $top, never under 1); the budget by tenant size; past it a 429 with Retry-After and the scope, within it again once the bucket refills")
    func budget() async throws {
        #expect(GraphThrottling.documentedUnits(users: 49) == 3_500 && GraphThrottling.documentedUnits(users: 50) == 5_000
                && GraphThrottling.documentedUnits(users: 500) == 5_000 && GraphThrottling.documentedUnits(users: 501) == 8_000)
        let tenant = GraphClientTests.tenant(users: 30)
        let clock = Clock()
        let engine = GraphSimulatorEngine(tenant: tenant, now: { clock.now })
        #expect(await engine.unitsPer10Seconds == 3_500)
        let token = try await Self.token(engine, tenant)
        let costs: [(String, [String: String], String)] = [
            ("/users", [:], "2"), ("/users", ["$select": "id"], "1"), ("/users", ["$top": "5"], "1"), ("/users", ["$select": "id", "$top": "999"], "1"),
            ("/domains", [:], "1"), ("/domains", ["$select": "id"], "1"), ("/oauth2PermissionGrants", [:], "2"),
        ]
        for (path, query, cost) in costs {
            let answer = await Self.get(engine, path, query, token: token)
            #expect(answer.status == 200 && Self.header(answer, "x-ms-resource-unit") == cost, "\(path) \(query)")
        }
        #expect(await engine.resourceUnitsSpent == 9)

        await engine.setThrottling(GraphThrottling(unitsPer10Seconds: 10))  // one unit a second
        for n in 0..<5 { #expect(await Self.get(engine, "/users", token: token).status == 200, "request \(n)") }
        let refused = await Self.get(engine, "/users", token: token)
        #expect(refused.status == 429 && refused.body?["error"]?["code"]?.stringValue == "TooManyRequests")
        #expect(Self.header(refused, "retry-after") == "2")
        #expect(Self.header(refused, "x-ms-throttle-scope") == "Tenant_Application/Read/\(tenant.credentials.clientID)/\(tenant.tenantID)")
        #expect(await engine.throttledByBudget == 1)
        clock.advance(1)
        #expect(await Self.get(engine, "/users", token: token).status == 429, "one unit back is not the two it costs")
        clock.advance(1)
        #expect(await Self.get(engine, "/users", token: token).status == 200)
        // Off: no budget.
        await engine.setThrottling(GraphThrottling(enabled: false))
        for _ in 0..<20 { #expect(await Self.get(engine, "/users", token: token).status == 200) }
    }
}
