import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

/// What the simulator sends on the wire, checked with raw HTTP requests (no OpenSSPM client involved).
@Suite(.serialized)
struct SimulatorWireTests {
    static func tenant(plan: ZoomPlan = .pro, users: Int = 40) -> Tenant {
        TenantGenerator(users: users, groups: 3, days: 2, seed: 7, plan: plan).generate()
    }

    static func basic(_ tenant: Tenant, secret: String? = nil) -> String {
        "Basic " + Data("\(tenant.credentials.clientID):\(secret ?? tenant.credentials.clientSecret)".utf8).base64EncodedString()
    }

    static func json(_ data: Data) -> JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null }

    @Test("a body over the simulator's 32 MiB limit is a 413 with Zoom's error shape, not a 500")
    func oversizedBody() async throws {
        try await SimulatorFixture.with(Self.tenant()) { f in
            let answer = try await f.raw("POST", "/oauth/token", body: Data(count: 33 << 20))
            #expect(answer.status == 413)
            #expect(Self.json(answer.body)["code"] == 300)
        }
    }

    @Test("token endpoint: query or form parameters, Zoom's success shape and OAuth-style errors")
    func tokenEndpoint() async throws {
        let tenant = Self.tenant()
        try await SimulatorFixture.with(tenant) { f in
            let account = tenant.credentials.accountID
            let viaQuery = try await f.raw("POST", "/oauth/token?grant_type=account_credentials&account_id=\(account)",
                                           headers: [("Authorization", Self.basic(tenant))])
            #expect(viaQuery.status == 200)
            let body = Self.json(viaQuery.body)
            #expect(body["token_type"] == "bearer")
            #expect(body["expires_in"] == 3599)
            #expect(body["scope"]?.stringValue?.split(separator: " ").map(String.init) == tenant.credentials.scopes)
            #expect(body["access_token"]?.stringValue?.hasPrefix("eyJ") == true)
            #expect(viaQuery.headers.value("cache-control") == "no-store")

            let viaForm = try await f.raw("POST", "/oauth/token", headers: [("Authorization", Self.basic(tenant)),
                ("Content-Type", "application/x-www-form-urlencoded")], body: Data("grant_type=account_credentials&account_id=\(account)".utf8))
            #expect(viaForm.status == 200)

            let badSecret = try await f.raw("POST", "/oauth/token?grant_type=account_credentials&account_id=\(account)",
                                            headers: [("Authorization", Self.basic(tenant, secret: "nope"))])
            #expect(badSecret.status == 400)
            #expect(Self.json(badSecret.body) == ["reason": "Invalid client_id or client_secret", "error": "invalid_client"])

            let badAccount = try await f.raw("POST", "/oauth/token?grant_type=account_credentials&account_id=elsewhere",
                                             headers: [("Authorization", Self.basic(tenant))])
            #expect(Self.json(badAccount.body) == ["reason": "Bad Request", "error": "invalid_request"])

            let badGrant = try await f.raw("POST", "/oauth/token?grant_type=password&account_id=\(account)",
                                           headers: [("Authorization", Self.basic(tenant))])
            #expect(Self.json(badGrant.body) == ["reason": "unsupported grant type", "error": "unsupported_grant_type"])
        }
    }

    @Test("API errors: 401 code 124 (invalid, expired), 4711 with scopes, 404 1001, 400 300 page token, 400 200 on free plan")
    func apiErrors() async throws {
        let scopes = ["user:read:admin", "account:read:admin"]
        let tenant = TenantGenerator(users: 60, groups: 1, days: 1, seed: 3, plan: .pro, scopes: scopes).generate()
        try await SimulatorFixture.with(tenant) { f in
            let missing = try await f.api("/users", token: "not-a-token")
            #expect(missing.status == 401)
            #expect(missing.json == ["code": 124, "message": "Invalid access token."])
            #expect(missing.headers.value("X-RateLimit-Category") == "Medium")

            let token = try await f.accessToken()
            let groups = try await f.api("/groups", token: token)
            #expect(groups.status == 400)
            #expect(groups.json == ["code": 4711, "message": .string("Invalid access token, does not contain scopes:[\(ZoomOperation.listGroups.granularScopes.joined(separator: ", "))].")])

            let unknown = try await f.api("/users/nobody@example.com", token: token)
            #expect(unknown.status == 404)
            #expect(unknown.json == ["code": 1001, "message": "User does not exist: nobody@example.com."])

            let badPage = try await f.api("/users?page_size=10&next_page_token=forged", token: token)
            #expect(badPage.status == 400)
            #expect(badPage.json == ["code": 300, "message": "The next page token is invalid or expired."])

            let first = try await f.api("/users?page_size=10", token: token)
            let next = first.json["next_page_token"]!.stringValue!
            #expect(!next.isEmpty)
            f.engine.clock.advance(by: 15 * 60 + 1)
            let stale = try await f.api("/users?page_size=10&next_page_token=\(next)", token: token)
            #expect(stale.json["code"] == 300)

            f.engine.clock.advance(by: 3600)
            let expired = try await f.api("/users", token: token)
            #expect(expired.status == 401)
            #expect(expired.json == ["code": 124, "message": "Access token is expired."])
        }
        try await SimulatorFixture.with(Self.tenant(plan: .free)) { f in
            let report = try await f.api("/report/activities")
            #expect(report.status == 400)
            #expect(report.json == ["code": 200, "message": "No permission."])
        }
    }

    @Test("pagination: page_size capped at the documented maximum, tokens until the last page, then empty")
    func pagination() async throws {
        let tenant = Self.tenant(users: 2_500)
        try await SimulatorFixture.with(tenant) { f in
            let token = try await f.accessToken()
            let huge = try await f.api("/users?page_size=5000", token: token)
            #expect(huge.json["page_size"] == .int(Int64(ZoomOperation.listUsers.pageSizeMax ?? 300)))
            var seen: [String] = []
            var next = ""
            var pages = 0
            repeat {
                let page = try await f.api("/users?page_size=300" + (next.isEmpty ? "" : "&next_page_token=\(next)"), token: token)
                #expect(page.status == 200)
                seen += page.json["users"]!.arrayValue!.map { $0["email"]!.stringValue! }
                next = page.json["next_page_token"]?.stringValue ?? ""
                pages += 1
            } while !next.isEmpty && pages < 50
            let active = tenant.users.filter { $0["status"]?.stringValue == "active" }.map { $0["email"]!.stringValue! }
            #expect(seen == active)
            #expect(pages == (active.count + 299) / 300)
            // Listing objects carry no detail-only keys such as login_types; the detail endpoint does.
            let one = try await f.api("/users?page_size=1", token: token)
            #expect(one.json["users"]?.arrayValue?.first?["login_types"] == nil)
            let detail = try await f.api("/users/\(active[0])", token: token)
            #expect(detail.json["login_types"] != nil)
            #expect(detail.json["account_id"] == .string(tenant.accountID))
        }
    }

    @Test("page tokens carry their listing's query: a follow-up with only the token continues it; contradicting parameters get 300")
    func pageTokenCarriesItsQuery() async throws {
        let tenant = Self.tenant(users: 200)
        try await SimulatorFixture.with(tenant) { f in
            let token = try await f.accessToken()
            func emails(_ page: (status: Int, headers: [(String, String)], json: JSONValue)) -> [String] {
                page.json["users"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? []
            }
            func nextToken(_ query: String) async throws -> String {
                let first = try await f.api("/users?\(query)", token: token)
                #expect(first.status == 200)
                let next = first.json["next_page_token"]?.stringValue ?? ""
                #expect(!next.isEmpty, "no next page for \(query)")
                return next
            }

            // The default spelled out on both requests, as the reference.
            let first = try await nextToken("status=active&page_size=10")
            let spelled = try await f.api("/users?status=active&page_size=10&next_page_token=\(first)", token: token)
            #expect(spelled.status == 200)
            let active = tenant.users.filter { $0["status"]?.stringValue == "active" }.compactMap { $0["email"]?.stringValue }
            #expect(emails(spelled) == Array(active[10..<20]))

            // The first request spells out status=active, the follow-up sends only the token.
            let second = try await nextToken("status=active&page_size=10")
            let onlyToken = try await f.api("/users?next_page_token=\(second)", token: token)
            #expect(onlyToken.status == 200, "\(onlyToken.json)")
            #expect(emails(onlyToken) == emails(spelled))
            #expect(onlyToken.json["page_number"] == 2)
            #expect(onlyToken.json["page_size"] == 10)

            // The other way round: the default left out first, spelled out on the follow-up.
            let third = try await nextToken("page_size=10")
            let defaulted = try await f.api("/users?status=active&next_page_token=\(third)", token: token)
            #expect(emails(defaulted) == emails(spelled))

            // A token-only follow-up of a non-default listing stays in that listing.
            let inactive = tenant.users.filter { $0["status"]?.stringValue == "inactive" }.compactMap { $0["email"]?.stringValue }
            try #require(inactive.count >= 4)
            let inactiveToken = try await nextToken("status=inactive&page_size=2")
            let inactiveNext = try await f.api("/users?next_page_token=\(inactiveToken)", token: token)
            #expect(emails(inactiveNext) == Array(inactive[2..<4]))

            // Parameters that contradict the token's listing: Zoom's 300.
            let fourth = try await nextToken("status=active&page_size=10")
            let contradicting = try await f.api("/users?status=inactive&page_size=10&next_page_token=\(fourth)", token: token)
            #expect(contradicting.status == 400)
            #expect(contradicting.json == ["code": 300, "message": "The next page token is invalid or expired."])
            let added = try await f.api("/users?role_id=2&next_page_token=\(fourth)", token: token)
            #expect(added.status == 400)
            #expect(added.json["code"] == 300)
            // A token from another listing endpoint is refused too.
            let elsewhere = try await f.api("/groups?next_page_token=\(fourth)", token: token)
            #expect(elsewhere.status == 400)
            #expect(elsewhere.json["code"] == 300)
        }
    }

    @Test("reports: one month at most, six months back at most, dates filtered")
    func reportRanges() async throws {
        let tenant = Self.tenant()
        try await SimulatorFixture.with(tenant) { f in
            let token = try await f.accessToken()
            let calendar = Calendar(identifier: .gregorian)
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let today = Date()
            func day(_ offset: Int) -> String { formatter.string(from: calendar.date(byAdding: .day, value: offset, to: today)!) }
            let tooLong = try await f.api("/report/operationlogs?from=\(day(-40))&to=\(day(0))", token: token)
            #expect(tooLong.status == 400)
            #expect(tooLong.json["code"] == 300)
            let tooOld = try await f.api("/report/activities?from=\(day(-200))&to=\(day(-190))", token: token)
            #expect(tooOld.status == 400)
            let missing = try await f.api("/report/operationlogs", token: token)
            #expect(missing.status == 400)
            let ok = try await f.api("/report/activities?from=\(day(-1))&to=\(day(0))&page_size=300", token: token)
            #expect(ok.status == 200)
            #expect(ok.headers.value("X-RateLimit-Category") == "Heavy")
            let rows = ok.json["activity_logs"]!.arrayValue!
            #expect(!rows.isEmpty)
            let cutoff = calendar.startOfDay(for: calendar.date(byAdding: .day, value: -1, to: today)!)
            let iso = ISO8601DateFormatter()
            #expect(rows.allSatisfy { iso.date(from: $0["time"]!.stringValue!)! >= cutoff })
        }
    }

    @Test("rate limits: X-RateLimit-Category always; a burst past the per-second limit gets Zoom's 429 with headers")
    func rateLimits() async throws {
        try await SimulatorFixture.with(Self.tenant(plan: .free)) { f in
            let token = try await f.accessToken()
            // Free plan, Medium: 2 per second.
            var statuses: [Int] = []
            var limited: (status: Int, headers: [(String, String)], json: JSONValue)?
            for _ in 0..<6 {
                let response = try await f.api("/users?page_size=1", token: token)
                statuses.append(response.status)
                #expect(response.headers.value("X-RateLimit-Category") == "Medium")
                if response.status == 429 { limited = response }
            }
            // Two fit the bucket; on a loaded machine the six requests can straddle a refill, so one more may pass.
            let passed = statuses.filter { $0 == 200 }.count
            #expect(passed >= 2 && passed <= 3 && statuses.contains(429))
            let r = try #require(limited)
            #expect(r.json == ["code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later."])
            #expect(r.headers.value("X-RateLimit-Type") == "QPS")
            #expect(r.headers.value("X-RateLimit-Limit") == "2")
            #expect(r.headers.value("X-RateLimit-Remaining") == "0")
            // Free plan daily counters appear on successes.
            try await Task.sleep(for: .milliseconds(1100))
            let ok = try await f.api("/users?page_size=1", token: token)
            #expect(ok.headers.value("X-RateLimit-Limit") == "2000")
            await f.engine.exhaustDailyLimit(.medium)
            let daily = try await f.api("/users?page_size=1", token: token)
            #expect(daily.status == 429)
            #expect(daily.headers.value("X-RateLimit-Type") == "Daily-limit")
            #expect(daily.headers.value("Retry-After")?.hasSuffix("T00:00:00Z") == true)
            #expect(daily.json["message"]?.stringValue?.contains("daily rate limit") == true)
        }
    }

    @Test("settings: option=meeting_security, security and the authentication bodies are served from the tenant")
    func settingsOptions() async throws {
        let tenant = Self.tenant()
        try await SimulatorFixture.with(tenant) { f in
            let token = try await f.accessToken()
            let full = try await f.api("/accounts/me/settings", token: token)
            #expect(full.json["security"] == tenant.settings!["security"])
            #expect(full.json["meeting_security"] == nil)
            let ms = try await f.api("/accounts/me/settings?option=meeting_security", token: token)
            #expect(ms.json == ["meeting_security": tenant.settings!["meeting_security"]!])
            let security = try await f.api("/accounts/\(tenant.accountID)/settings?option=security", token: token)
            #expect(security.json == ["security": tenant.settings!["security"]!])
            let other = try await f.api("/accounts/someone-else/settings", token: token)
            #expect(other.status == 404)
            let group = tenant.groups[0]["id"]!.stringValue!
            let gms = try await f.api("/groups/\(group)/settings?option=meeting_security", token: token)
            #expect(gms.json["meeting_security"] == tenant.groups[0]["settings"]!["meeting_security"])
            let bad = try await f.api("/groups/\(group)/settings?option=nonsense", token: token)
            #expect(bad.status == 400)
        }
    }

    @Test("fault injection over the admin endpoint, with a clear error for unknown faults")
    func adminFaults() async throws {
        try await SimulatorFixture.with(Self.tenant()) { f in
            let set = try await f.raw("POST", "/_sim/faults", body: Data(#"{"server_errors": 2, "server_error_status": 502}"#.utf8))
            #expect(set.status == 200)
            let token = try await f.accessToken()
            #expect(try await f.api("/users", token: token).status == 502)
            #expect(try await f.api("/users", token: token).status == 502)
            #expect(try await f.api("/users", token: token).status == 200)
            let unknown = try await f.raw("POST", "/_sim/faults", body: Data(#"{"earthquake": true}"#.utf8))
            #expect(unknown.status == 400)
            #expect(String(decoding: unknown.body, as: UTF8.self).contains("earthquake"))
            _ = try await f.raw("POST", "/_sim/faults", body: Data(#"{"revoke_tokens": true}"#.utf8))
            #expect(try await f.api("/users", token: token).status == 401)
            let clock = try await f.raw("POST", "/_sim/clock", body: Data(#"{"advance_seconds": 86400}"#.utf8))
            #expect(Self.json(clock.body)["now"] != nil)
        }
    }
}
