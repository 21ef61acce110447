import AsyncHTTPClient
import Foundation
import SSPMCore
import SSPMServer
import SSPMTestSupport
import Testing
import ZoomSimulator

/// The web UI over real HTTP (forms as a browser posts them). The headless-browser tests of the web
/// UI issue build on these.
@Suite(.serialized)
struct WebUITests {
    /// A browser-like client: follows nothing, keeps cookies.
    final class Browser: @unchecked Sendable {
        // @unchecked: used by one test task at a time; `cookies` is only touched from that task.
        let f: ServerFixture
        var cookies: [String: String] = [:]
        /// Does not follow redirects, so the tests see them.
        static let http: HTTPClient = {
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }()
        init(_ f: ServerFixture) { self.f = f }

        var cookieHeader: [(String, String)] { cookies.isEmpty ? [] : [("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))] }

        func remember(_ reply: Reply) {
            for (name, value) in reply.headers where name.lowercased() == "set-cookie" {
                let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
                if pair.count == 2 { cookies[String(pair[0])] = String(pair[1]) }
            }
        }

        func get(_ path: String) async throws -> Reply {
            let reply = try await ServerFixture.send(http: Self.http, base: f.base, "GET", path, headers: cookieHeader)
            remember(reply)
            return reply
        }

        func post(_ path: String, _ fields: [(String, String)]) async throws -> Reply {
            let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            let reply = try await ServerFixture.send(http: Self.http, base: f.base, "POST", path, raw: Data(body.utf8),
                                                     headers: cookieHeader + [("Content-Type", "application/x-www-form-urlencoded")])
            remember(reply)
            return reply
        }

        /// The value of `<input … name="csrf" value="…">` in a page.
        static func csrf(_ html: String) -> String? {
            guard let range = html.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
            return String(html[range].split(separator: "\"")[3])
        }

        func login(_ email: String, _ password: String) async throws {
            let page = try await get("/login")
            let reply = try await post("/login", [("csrf", Self.csrf(page.text) ?? ""), ("email", email), ("password", password)])
            guard reply.status == 303 else { throw HTTPError(description: "login: \(reply.status) \(reply.text.prefix(300))") }
        }
    }

    @Test("pages render behind sign-in with CSP; Zoom text is escaped; forms need their CSRF token; a viewer cannot change anything; an admin accepts a risk")
    func pages() async throws {
        var tenant = TenantGenerator(users: 40, groups: 2, days: 2, seed: 91).generate()
        let evil = "<img src=x onerror=alert(1)>"
        tenant.users[0]["first_name"] = .string(evil)
        tenant.users[0]["last_name"] = ""
        tenant.users[0]["display_name"] = .string(evil)
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let anonymous = Browser(f)
            let redirected = try await anonymous.get("/connectors")
            #expect(redirected.status == 303 && redirected.headers.value("location") == "/login")

            let admin = Browser(f)
            // Without the form token the sign-in is refused.
            _ = try await admin.get("/login")
            #expect(try await admin.post("/login", [("email", ServerFixture.adminEmail), ("password", ServerFixture.adminPassword)]).status == 403)
            try await admin.login(ServerFixture.adminEmail, ServerFixture.adminPassword)
            let list = try await admin.get("/connectors")
            #expect(list.status == 200)
            #expect(list.headers.value("content-security-policy")?.contains("default-src 'self'") == true)
            #expect(list.text.contains("Acme Zoom") && list.text.contains("Connect an app"))

            let overview = try await admin.get("/connectors/\(id)")
            #expect(overview.text.contains("Secure Score") && overview.text.contains("<svg class=\"trend\""))
            let users = try await admin.get("/connectors/\(id)/users?q=img")
            #expect(users.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(!users.text.contains(evil))

            // GET forms send spaces as "+": the category filter must still match.
            let identity = try await admin.get("/connectors/\(id)/recommendations?category=Identity+%26+access")
            #expect(identity.text.contains("ZID-01"))
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)/recommendations?category=Identity+%26+access").json["total"]?.intValue ?? 0 > 0)
            let failing = try await admin.get("/connectors/\(id)/recommendations?verdict=fail")
            #expect(failing.status == 200 && failing.text.contains("Recommended actions"))
            let control = try #require(failing.text.range(of: #"/recommendations/(Z[A-Z]+-\d+)""#, options: .regularExpression).map { String(failing.text[$0].dropFirst(17).dropLast()) })
            let detail = try await admin.get("/connectors/\(id)/recommendations/\(control)")
            let token = try #require(Browser.csrf(detail.text))
            let expiry = ISO8601DateFormatter.string(from: Date().addingTimeInterval(60 * 86_400), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            let forged = try await admin.post("/connectors/\(id)/recommendations/\(control)/state", [("csrf", "wrong"), ("state", "risk_accepted"), ("rationale", "x"), ("expiresAt", expiry)])
            #expect(forged.status == 403)
            let missingExpiry = try await admin.post("/connectors/\(id)/recommendations/\(control)/state", [("csrf", token), ("state", "risk_accepted"), ("rationale", "Legacy rooms")])
            #expect(missingExpiry.status == 400 && missingExpiry.text.contains("expiry"))
            let accepted = try await admin.post("/connectors/\(id)/recommendations/\(control)/state",
                                                [("csrf", token), ("state", "risk_accepted"), ("rationale", "Legacy rooms"), ("expiresAt", expiry)])
            #expect(accepted.status == 303)
            let after = try await admin.get("/connectors/\(id)/recommendations/\(control)")
            #expect(after.text.contains("risk_accepted") && after.text.contains("Legacy rooms"))

            // Two scans and the difference between them.
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            let scans = try await admin.get("/connectors/\(id)/scans")
            #expect(scans.status == 200 && scans.text.contains("control(s) changed") && scans.text.contains("All scans"))

            let activity = try await admin.get("/connectors/\(id)/activities?type=signin")
            #expect(activity.status == 200 && activity.text.contains("format=csv"))

            // A viewer reads but cannot change.
            let session = try await Session.login(http: f.http, base: f.base, email: ServerFixture.adminEmail, password: ServerFixture.adminPassword)
            _ = try await session.send("POST", "/api/v1/operators", json: ["email": "vera@example.com", "password": "viewer-password-2", "role": "viewer"])
            let viewer = Browser(f)
            try await viewer.login("vera@example.com", "viewer-password-2")
            let viewerPage = try await viewer.get("/connectors/\(id)/recommendations/\(control)")
            #expect(viewerPage.status == 200 && !viewerPage.text.contains("Change the state"))
            let viewerToken = try #require(Browser.csrf(viewerPage.text))
            let refused = try await viewer.post("/connectors/\(id)/recommendations/\(control)/state", [("csrf", viewerToken), ("state", "planned")])
            #expect(refused.status == 403)
            #expect(try await viewer.post("/connectors/\(id)/delete", [("csrf", viewerToken)]).status == 403)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)").status == 200)
        }
    }
}
