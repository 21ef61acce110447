import AsyncHTTPClient
import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

/// The real client against the real simulator over loopback HTTP.
@Suite(.serialized)
struct ZoomClientTests {
    static func tenant(users: Int = 120, groups: Int = 4, days: Int = 3, plan: ZoomPlan = .business, scopes: [String]? = nil) -> Tenant {
        TenantGenerator(users: users, groups: groups, days: days, seed: 42, plan: plan, scopes: scopes ?? TenantGenerator.defaultScopes).generate()
    }

    static func ids(_ users: [ZoomUser]) -> [String] { users.map(\.dedupKey) }

    static func expected(_ tenant: Tenant, status: String) -> [String] {
        tenant.users.filter { $0["status"]?.stringValue == status }.map { user in
            user["id"]?.stringValue ?? "email:\(user["email"]!.stringValue!.lowercased())"
        }
    }

    @Test("lists every user of a 10,000-user tenant, pending users without ids included")
    func fullListingOf10kUsers() async throws {
        let tenant = Self.tenant(users: 10_000, groups: 0, days: 0, plan: .pro)
        try await SimulatorFixture.with(tenant) { fixture in
            let client = await fixture.client()
            for status in ["active", "inactive", "pending"] {
                let users = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", status)])
                #expect(Self.ids(users) == Self.expected(tenant, status: status))
                #expect(Set(Self.ids(users)).count == users.count)
            }
            let pending = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "pending")])
            #expect(!pending.isEmpty)
            #expect(pending.allSatisfy { $0.id == nil && $0.email != nil })
            let stats = await client.stats()
            #expect(stats.total429 == 0)
            // 2,000 per page (the documented maximum): a handful of pages, not hundreds.
            #expect((stats.requests[.medium] ?? 0) <= 8)
        }
    }

    @Test("reads a whole account and gets back exactly what the tenant holds")
    func readerMatchesTenant() async throws {
        let tenant = Self.tenant(users: 300, groups: 6, days: 5)
        try await SimulatorFixture.with(tenant) { fixture in
            let client = await fixture.client()
            let reader = ZoomAccountReader(client: client, logger: fixture.logger)
            let now = Date()
            let data = await reader.read(from: now.addingTimeInterval(-5 * 86_400), to: now)
            #expect(data.failures.isEmpty)
            #expect(data.users.count == tenant.users.count)
            #expect(data.groups.count == tenant.groups.count)
            for group in data.groups {
                let source = tenant.groups.first { $0["id"]?.stringValue == group.group.id }!
                #expect(group.membersKnown)
                #expect(group.members.compactMap(\.id).sorted() == source["members"]!.arrayValue!.compactMap(\.stringValue).sorted())
                #expect(group.settings["meeting_security"] == source["settings"]!["meeting_security"])
                #expect(group.settings["in_meeting"] == source["settings"]!["in_meeting"])
            }
            #expect(data.accountSettings["security"] == tenant.settings!["security"])
            #expect(data.accountSettings["meeting_security"] == tenant.settings!["meeting_security"])
            #expect(data.lockSettings["meeting_security"] == tenant.lockSettings!["meeting_security"])
            #expect(data.roles.count == tenant.roles.count)
            for role in data.roles {
                let source = tenant.roles.first { $0["id"]?.stringValue == role.role.id }!["members"]!.arrayValue!.compactMap(\.stringValue)
                #expect(role.membersKnown)
                #expect(role.members.compactMap(\.id).sorted() == source.sorted())
            }
            #expect(data.activityLogs.count == tenant.activityLogs.count)
            #expect(data.operationLogs.count == tenant.operationLogs.count)
            #expect(data.managedDomains?.domains?.count == 2)
            #expect(data.channels.count == tenant.channels.filter { [3, 5].contains($0["type"]?.intValue ?? 0) }.count)
            let stats = await client.stats()
            #expect(stats.total429 == 0)
            #expect(stats.tokenFetches == 1)
        }
    }

    @Test("the reader lists no group or role members: memberships come from GET /users, and the counts per endpoint add up")
    func membershipsFromUsers() async throws {
        let tenant = Self.tenant(users: 400, groups: 8, days: 2)
        try await SimulatorFixture.with(tenant) { fixture in
            let client = await fixture.client()
            let now = Date()
            let data = await ZoomAccountReader(client: client, logger: fixture.logger).read(from: now.addingTimeInterval(-86_400), to: now)
            #expect(data.failures.isEmpty)

            // Neither the simulator nor the client saw a member listing.
            let served = await fixture.engine.requestsByOperation()
            let stats = await client.stats()
            for operation in [ZoomOperation.listGroupMembers, .listRoleMembers] {
                #expect(served[operation, default: 0] == 0, "the simulator served \(operation.endpoint)")
                #expect(stats.requestsByOperation[operation, default: 0] == 0, "the client sent \(operation.endpoint)")
            }
            #expect(served[.listUsers, default: 0] > 0 && served[.listGroups, default: 0] == 1 && served[.listRoles, default: 0] == 1)

            // The memberships are still exactly the tenant's, and the snapshot carries them.
            let snapshot = data.postureSnapshot(accountID: "a", capturedAt: now)
            #expect(data.groups.count == tenant.groups.count && data.roles.count == tenant.roles.count)
            for group in tenant.groups {
                let id = group["id"]!.stringValue!
                let expected = Set(group["members"]!.arrayValue!.compactMap(\.stringValue))
                let read = snapshot.groups!.first { $0.id == id }!
                #expect(Set(read.memberIDs) == expected && read.memberIDs.count == expected.count && read.memberCount == expected.count)
            }
            for role in tenant.roles {
                let id = role["id"]!.stringValue!
                let expected = Set(role["members"]!.arrayValue!.compactMap(\.stringValue))
                let read = snapshot.roles!.first { $0.id == id }!
                #expect(Set(read.memberIDs) == expected && read.memberIDs.count == expected.count)
            }

            // Per endpoint: the same counts the simulator saw, adding up to each category and to the total.
            #expect(stats.requestsByOperation == served)
            var perCategory: [RateLimitCategory: Int] = [:]
            for (operation, count) in stats.requestsByOperation { perCategory[operation.category, default: 0] += count }
            #expect(perCategory == stats.requests)
            #expect(stats.requestsByOperation.values.reduce(0, +) == stats.totalRequests)
        }
    }

    @Test("without user:read:admin the memberships are unknown, yet every verdict and group size is what it was with them")
    func membershipsWithoutUsers() async throws {
        let tenant = Self.tenant(users: 300, groups: 6, days: 1)
        var withoutUsers = tenant
        withoutUsers.credentials.scopes.removeAll { $0 == "user:read:admin" || $0 == "user:write:admin" }
        let now = Date()
        func read(_ tenant: Tenant) async throws -> ZoomAccountData {
            try await SimulatorFixture.with(tenant) { fixture in
                await ZoomAccountReader(client: await fixture.client(), logger: fixture.logger).read(from: now, to: now)
            }
        }
        let full = try await read(tenant)
        let partial = try await read(withoutUsers)
        #expect(partial.failures[.users] != nil && partial.failures[.groups] == nil && partial.failures[.roles] == nil)
        #expect(full.failures.isEmpty)
        #expect(partial.groups.allSatisfy { !$0.membersKnown && $0.members.isEmpty })
        #expect(partial.roles.allSatisfy { !$0.membersKnown && $0.members.isEmpty })

        let unknown = partial.postureSnapshot(accountID: "a", capturedAt: now)
        #expect(unknown.users == nil && unknown.groups != nil)
        for group in unknown.groups! {
            let source = tenant.groups.first { $0["id"]?.stringValue == group.id }!
            #expect(group.memberIDs.isEmpty)
            #expect(group.memberCount == source["members"]!.arrayValue!.count)
        }
        // What the scan said before, when the member listings gave the memberships but the users were unreadable.
        var listed = full.postureSnapshot(accountID: "a", capturedAt: now)
        listed.users = nil
        listed.unavailable[.users] = unknown.unavailable[.users]
        let before = ZoomCatalogue.scan(listed, now: now)
        let after = ZoomCatalogue.scan(unknown, now: now)
        #expect(before.findings.count == after.findings.count)
        var compared = 0
        for old in before.findings {
            guard let new = after.findings.first(where: { $0.controlId == old.controlId }) else { Issue.record("\(old.controlId) missing"); continue }
            #expect(new.verdict == old.verdict, "\(old.controlId): \(old.verdict.rawValue) → \(new.verdict.rawValue): \(new.detail)")
            #expect(new.affectedGroups == old.affectedGroups, "\(old.controlId)")
            #expect(new.score == old.score, "\(old.controlId)")
            if !old.affectedGroups.isEmpty { compared += 1 }
        }
        #expect(compared > 0)
        // Controls that need the users, memberships included, are errors or unknown, never a pass on missing data.
        for id in ["ZID-14", "ZID-16"] {
            #expect(after.findings.first { $0.controlId == id }?.verdict == .error, "\(id)")
        }
    }

    @Test("wrong client secret, wrong account ID and a deactivated app give plain errors")
    func credentialErrors() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 5, groups: 0, days: 0)) { fixture in
            let good = await fixture.simulator.credentials()
            var badSecret = good
            badSecret.clientSecret = Secret("not-the-secret")
            await #expect(throws: ZoomAPIError(.invalidClientCredentials, operation: "POST /oauth/token")) {
                _ = try await fixture.client(credentials: badSecret).grantedScopes()
            }
            var badAccount = good
            badAccount.accountID = "someone-else"
            await #expect(throws: ZoomAPIError(.invalidAccountID, operation: "POST /oauth/token")) {
                _ = try await fixture.client(credentials: badAccount).grantedScopes()
            }
            let client = await fixture.client()
            _ = try await client.send(.getUser, ZoomUser.self, path: ["userId": "me"])
            await fixture.engine.updateFaults { $0.appDeactivated = true }
            await #expect(throws: ZoomAPIError(.appDeactivated, operation: "POST /oauth/token")) {
                _ = try await client.send(.getUser, ZoomUser.self, path: ["userId": "me"])
            }
            let message = ZoomAPIError(.appDeactivated).description
            #expect(message.contains("Activate it again"))
        }
    }

    @Test("an unreachable host is reported as such, after bounded retries")
    func unreachable() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = ZoomClient(
            credentials: ZoomCredentials(accountID: "a", clientID: "c", clientSecret: "s"),
            configuration: .init(apiURL: "http://127.0.0.1:9/v2", tokenURL: "http://127.0.0.1:9/oauth/token", transientBackoff: .milliseconds(10)),
            http: http, logger: LogCapture().logger(label: "t"))
        do {
            _ = try await client.grantedScopes()
            Issue.record("expected an error")
        } catch let error as ZoomAPIError {
            guard case .unreachable(let host, _) = error.kind else { Issue.record("wrong kind \(error)"); return }
            #expect(host == "127.0.0.1")
        }
        try await http.shutdown()
    }

    @Test("a missing scope fails only its data source, naming the scope")
    func missingScope() async throws {
        let scopes = TenantGenerator.defaultScopes.filter { $0 != "report:read:admin" }
        try await SimulatorFixture.with(Self.tenant(users: 20, groups: 2, days: 2, scopes: scopes)) { fixture in
            let client = await fixture.client()
            let reader = ZoomAccountReader(client: client, logger: fixture.logger)
            let data = await reader.read(from: Date().addingTimeInterval(-86_400), to: Date())
            #expect(Set(data.failures.keys) == [.signInReport, .operationLog])
            #expect(data.failures[.signInReport]?.kind == .missingScopes(ZoomOperation.reportSignInActivities.granularScopes))
            #expect(data.failures[.operationLog]?.kind == .missingScopes(ZoomOperation.reportOperationLogs.granularScopes))
            #expect(data.users.count == 20)
            #expect(data.failures[.signInReport]!.description.contains("report:read"))
        }
    }

    @Test("a reply from a host that is neither Zoom's nor trusted is not quoted in the error")
    func foreignRepliesNotQuoted() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 5, groups: 0, days: 1, plan: .free)) { fixture in
            let client = await fixture.client { $0.trustedHosts = [] }
            do {
                _ = try await client.send(.getUser, ZoomUser.self, path: ["userId": "nobody@example.com"])
                Issue.record("an unknown user was found")
            } catch let error as ZoomAPIError {
                #expect(!error.description.contains("User does not exist"), "\(error)")
                #expect(error.description.contains("not a Zoom host"))
                #expect(error.kind == .notFound(code: 1001, message: "HTTP 404 from 127.0.0.1 (its reply is not shown: not a Zoom host; allow it with --allowed-zoom-hosts to see it)"))
            }
            #expect(ZoomHosts.isOfficial("api.zoom.us") && ZoomHosts.isOfficial("API.ZoomGov.com") && !ZoomHosts.isOfficial("zoom.us.evil.example"))
            #expect(!ZoomHosts.isOfficial("notzoom.us"))
        }
    }

    @Test("reports on a free plan, unknown users and bad report ranges give Zoom's errors")
    func apiErrors() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 5, groups: 0, days: 1, plan: .free)) { fixture in
            let client = await fixture.client()
            await #expect(throws: ZoomAPIError(.notPermitted(message: "No permission."), operation: "GET /report/activities")) {
                _ = try await client.listReport(.reportSignInActivities, ZoomActivityLogsPage.self, from: Date(), to: Date())
            }
            await #expect(throws: ZoomAPIError(.notFound(code: 1001, message: "User does not exist: nobody@example.com."), operation: "GET /users/{userId}")) {
                _ = try await client.send(.getUser, ZoomUser.self, path: ["userId": "nobody@example.com"])
            }
        }
        try await SimulatorFixture.with(Self.tenant(users: 5, groups: 0, days: 1)) { fixture in
            let client = await fixture.client()
            do {
                _ = try await client.sendJSON(.reportOperationLogs, query: [("from", "2026-01-01"), ("to", "2026-03-01")])
                Issue.record("a two-month range must be refused")
            } catch let error as ZoomAPIError {
                guard case .api(400, 300, let message) = error.kind else { Issue.record("wrong kind \(error)"); return }
                #expect(message.contains("one month"))
            }
            // The client splits long ranges into month windows, so the same range through listReport works.
            let now = Date()
            let rows = try await client.listReport(.reportOperationLogs, ZoomOperationLogsPage.self, from: now.addingTimeInterval(-50 * 86_400), to: now)
            #expect(rows.count == (await fixture.engine.currentTenant()).operationLogs.count)
        }
    }

    @Test("an access token that expires mid-listing is replaced once and the listing goes on")
    func tokenExpiryMidListing() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 1_000, groups: 0, days: 0)) { fixture in
            let client = await fixture.client()
            _ = try await client.grantedScopes()
            // 3,000 s into the token's hour; 700 more ends it, while page tokens (15 min) stay valid.
            fixture.engine.clock.advance(by: 3_000)
            await fixture.engine.updateFaults { $0.latencyMilliseconds = 15 }
            let engine = fixture.engine
            let advance = Task {
                try await Task.sleep(for: .milliseconds(250))
                engine.clock.advance(by: 700)
            }
            let users = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")], pageSize: 30)
            try await advance.value
            let tenant = await engine.currentTenant()
            #expect(Self.ids(users) == Self.expected(tenant, status: "active"))
            let stats = await client.stats()
            #expect(stats.tokenFetches == 2)
            #expect(stats.tokenRejections == 1)
            #expect(stats.listingRestarts == 0)
        }
    }

    @Test("an expired next_page_token restarts the listing with nothing lost or doubled")
    func pageTokenExpiry() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 700, groups: 0, days: 0)) { fixture in
            let client = await fixture.client()
            await fixture.engine.updateFaults { $0.expirePageTokens = 1 }
            let users = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")], pageSize: 100)
            let tenant = await fixture.engine.currentTenant()
            #expect(Self.ids(users) == Self.expected(tenant, status: "active"))
            #expect(await client.stats().listingRestarts == 1)

            // The real thing: the simulator clock moves past the 15-minute lifetime mid-listing.
            await fixture.engine.updateFaults { $0.latencyMilliseconds = 15 }
            let engine = fixture.engine
            let advance = Task {
                try await Task.sleep(for: .milliseconds(200))
                engine.clock.advance(by: 16 * 60)
            }
            let again = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")], pageSize: 30)
            try await advance.value
            #expect(Self.ids(again) == Self.expected(tenant, status: "active"))
            #expect(await client.stats().listingRestarts == 2)
        }
    }

    @Test("identical report rows survive a restarted listing exactly once each")
    func reportRowsMultiset() async throws {
        var tenant = Self.tenant(users: 10, groups: 0, days: 0)
        let now = Date()
        let row: JSONValue = ["email": "a@example.com", "time": .string(ZoomSimulatorEngine.isoSeconds(now.addingTimeInterval(-60))),
                              "type": "Sign in", "ip_address": "192.0.2.1", "client_type": "Browser", "version": "6.0.0.1"]
        tenant.activityLogs = Array(repeating: row, count: 75)
        try await SimulatorFixture.with(tenant) { fixture in
            let client = await fixture.client()
            await fixture.engine.updateFaults { $0.expirePageTokens = 1 }
            let rows = try await client.listReport(.reportSignInActivities, ZoomActivityLogsPage.self, from: now, to: now)
            #expect(rows.count == 75)
        }
    }

    @Test("a 429 storm is ridden out; a well-paced client gets no 429 from the limits themselves")
    func rateLimitStorm() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 500, groups: 0, days: 0)) { fixture in
            let client = await fixture.client { $0.maxRateLimitRetries = 30 }
            await fixture.engine.updateFaults { $0.rateLimitStorm = 12 }
            let users = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")], pageSize: 50)
            #expect(users.count == Self.expected(await fixture.engine.currentTenant(), status: "active").count)
            let stats = await client.stats()
            #expect(stats.total429 == 12)
            let counters = await fixture.engine.rateLimitCounters()
            #expect(counters.issued429.values.reduce(0, +) == 0)  // the storm, not the buckets
        }
    }

    @Test("concurrent Light requests at the plan's rate: zero 429s when paced, 429s absorbed when not")
    func pacing() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 200, groups: 0, days: 0, plan: .pro)) { fixture in
            let ids = (await fixture.engine.currentTenant()).users.compactMap { $0["id"]?.stringValue }.prefix(90)
            let paced = await fixture.client()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids { group.addTask { _ = try await paced.send(.getUser, ZoomUser.self, path: ["userId": id]) } }
                try await group.waitForAll()
            }
            #expect(await paced.stats().total429 == 0)
            // A client that believes the account is four times faster provokes real 429s and still finishes.
            let greedy = await fixture.client { $0.rateFraction = 4; $0.maxRateLimitRetries = 40 }
            try await Task.sleep(for: .seconds(1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids { group.addTask { _ = try await greedy.send(.getUser, ZoomUser.self, path: ["userId": id]) } }
                try await group.waitForAll()
            }
            let greedyStats = await greedy.stats()
            #expect(greedyStats.total429 > 0)
            #expect((await fixture.engine.rateLimitCounters()).issued429[.light] == greedyStats.rateLimited[.light])
        }
    }

    @Test("a daily limit is reported with the time it resets, not retried")
    func dailyLimit() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 5, groups: 0, days: 1)) { fixture in
            let client = await fixture.client()
            await fixture.engine.exhaustDailyLimit(.heavy)
            do {
                _ = try await client.listReport(.reportSignInActivities, ZoomActivityLogsPage.self, from: Date(), to: Date())
                Issue.record("expected a daily limit")
            } catch let error as ZoomAPIError {
                guard case .rateLimited(.heavy, "Daily-limit", let retryAfter?) = error.kind else { Issue.record("wrong kind \(error)"); return }
                #expect(retryAfter.hasSuffix("T00:00:00Z"))
                #expect(await client.stats().total429 == 1)
            }
        }
    }

    @Test("a 5xx burst is retried; a persistent 5xx ends in a clear error")
    func serverErrors() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 50, groups: 0, days: 0)) { fixture in
            let client = await fixture.client()
            await fixture.engine.updateFaults { $0.serverErrors = 3; $0.serverErrorStatus = 502 }
            let users = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")])
            #expect(!users.isEmpty)
            #expect(await client.stats().serverErrors == 3)
            await fixture.engine.updateFaults { $0.serverErrors = 100; $0.serverErrorStatus = 503 }
            await #expect(throws: ZoomAPIError(.serverError(status: 503), operation: "GET /users")) {
                _ = try await client.listAll(.listUsers, ZoomUsersPage.self)
            }
        }
    }

    @Test("malformed and truncated bodies are retried, then reported")
    func malformedBodies() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 50, groups: 0, days: 0)) { fixture in
            let client = await fixture.client()
            await fixture.engine.updateFaults { $0.malformedJSON = 1; $0.truncatedPages = 1 }
            let users = try await client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")])
            #expect(users.count == Self.expected(await fixture.engine.currentTenant(), status: "active").count)
            #expect(await client.stats().transientRetries == 2)
            await fixture.engine.updateFaults { $0.truncatedPages = 100 }
            do {
                _ = try await client.listAll(.listUsers, ZoomUsersPage.self)
                Issue.record("expected an error")
            } catch let error as ZoomAPIError {
                guard case .malformedResponse = error.kind else { Issue.record("wrong kind \(error)"); return }
            }
        }
    }

    @Test("a token revoked by another connector with the same credentials is replaced once")
    func revocation() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 30, groups: 0, days: 0)) { fixture in
            await fixture.engine.updateFaults { $0.tokenTolerance = 1 }
            let first = await fixture.client()
            let second = await fixture.client()
            _ = try await first.send(.getUser, ZoomUser.self, path: ["userId": "me"])
            _ = try await second.send(.getUser, ZoomUser.self, path: ["userId": "me"])  // revokes first's token
            _ = try await first.send(.getUser, ZoomUser.self, path: ["userId": "me"])   // 401, new token, retried
            let stats = await first.stats()
            #expect(stats.tokenRejections == 1)
            #expect(stats.tokenFetches == 2)
            // Revoked everywhere, and the app deactivated: the refresh itself fails with a plain error.
            await fixture.engine.revokeAllTokens()
            await fixture.engine.updateFaults { $0.appDeactivated = true }
            await #expect(throws: ZoomAPIError(.appDeactivated, operation: "POST /oauth/token")) {
                _ = try await first.send(.getUser, ZoomUser.self, path: ["userId": "me"])
            }
        }
    }

    @Test("tokens, client secrets and Authorization headers never reach logs or error messages")
    func secretsStayOut() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 30, groups: 1, days: 1)) { fixture in
            let credentials = await fixture.simulator.credentials()
            let client = await fixture.client()
            let token = try await client.tokens.token().value.value
            await fixture.engine.updateFaults { $0.serverErrors = 2; $0.rateLimitStorm = 2; $0.malformedJSON = 1; $0.tokenTolerance = 1 }
            _ = try await fixture.client().grantedScopes()  // revokes `client`'s token
            let reader = ZoomAccountReader(client: client, logger: fixture.logger)
            let data = await reader.read(from: Date(), to: Date())
            var texts = fixture.logs.all
            texts.append(contentsOf: data.failures.values.map(\.description))
            var wrong = credentials
            wrong.clientSecret = Secret("wrong-\(credentials.clientSecret.value)")
            do { _ = try await fixture.client(credentials: wrong).grantedScopes() } catch { texts.append("\(error)") }
            texts.append("\(credentials)")
            texts.append(String(describing: try await client.tokens.token()))
            #expect(!texts.isEmpty)
            for text in texts {
                #expect(!text.contains(credentials.clientSecret.value))
                #expect(!text.contains(token))
                #expect(!text.lowercased().contains("bearer "))
                #expect(!text.lowercased().contains("basic "))
            }
        }
    }

    @Test("a listing is cancellable, also while it backs off from 429s")
    func cancellation() async throws {
        try await SimulatorFixture.with(Self.tenant(users: 300, groups: 0, days: 0)) { fixture in
            let client = await fixture.client { $0.maxRateLimitRetries = 10_000; $0.rateLimitBackoff = .milliseconds(200) }
            await fixture.engine.updateFaults { $0.rateLimitStorm = 1_000_000 }
            let listing = Task { try await client.listAll(.listUsers, ZoomUsersPage.self, pageSize: 10) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(await client.stats().total429 > 0)
            let cancelled = ContinuousClock.now
            listing.cancel()
            do {
                _ = try await listing.value
                Issue.record("expected the listing to stop")
            } catch is CancellationError {
            } catch {
                Issue.record("expected CancellationError, got \(error)")
            }
            #expect(ContinuousClock.now - cancelled < .seconds(1))
        }
    }

    @Test("report ranges are split at calendar months")
    func reportWindows() {
        let formatter = ISO8601DateFormatter()
        let windows = ReportWindows.split(from: formatter.date(from: "2026-01-20T10:00:00Z")!, to: formatter.date(from: "2026-03-05T01:00:00Z")!)
        #expect(windows.map { "\($0.from)..\($0.to)" } == ["2026-01-20..2026-01-31", "2026-02-01..2026-02-28", "2026-03-01..2026-03-05"])
        let single = ReportWindows.split(from: formatter.date(from: "2026-11-16T00:00:00Z")!, to: formatter.date(from: "2026-11-22T23:00:00Z")!)
        #expect(single.count == 1)
    }
}
