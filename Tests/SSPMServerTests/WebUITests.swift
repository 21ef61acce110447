import AsyncHTTPClient
import Foundation
import SSPMCore
import ZoomAPI
import SSPMProvider
import ZoomProvider
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

    @Test("connect an app in steps: a name, then credentials; a refusal shows each data source and keeps no secret; missing scopes are named; a viewer cannot start it; a new secret is checked first; delete needs the name typed")
    func connectWizard() async throws {
        var tenant = TenantGenerator(users: 30, groups: 2, days: 1, seed: 97).generate()
        tenant.credentials.scopes.removeAll { $0.hasPrefix("report:") }
        try await ServerFixture.with(tenant) { f in
            let admin = Browser(f)
            try await admin.login(ServerFixture.adminEmail, ServerFixture.adminPassword)
            let script = try await admin.get("/static/app.js")
            #expect(script.status == 200 && script.headers.value("content-type")?.hasPrefix("text/javascript") == true && script.text.contains("sync-progress"))

            let start = try await admin.get("/connectors/new")
            #expect(start.status == 200 && start.text.contains(#"aria-current="step"><span class="n">1</span> Instance name"#))
            let unnamed = try await admin.get("/connectors/new/credentials?name=+")
            #expect(unnamed.status == 422 && unnamed.text.contains("Give the instance a name"))
            let step2 = try await admin.get("/connectors/new/credentials?name=Zoom+%3Cb%3EEU%3C%2Fb%3E")
            #expect(step2.status == 200 && step2.text.contains("Instance <strong>Zoom &lt;b&gt;EU&lt;/b&gt;</strong>"))
            #expect(step2.text.contains(#"<span class="n">2</span> Credentials"#))
            let token = try #require(Browser.csrf(step2.text))

            let body = await f.connectorBody(name: "Zoom EU")
            func fields(secret: String) -> [(String, String)] {
                [("csrf", token), ("name", "Zoom EU"), ("accountId", body["accountId"]!.stringValue!), ("clientId", body["clientId"]!.stringValue!),
                 ("clientSecret", secret), ("webhookSecretToken", "whsec-never-echoed"), ("plan", "business"),
                 ("apiUrl", body["apiUrl"]!.stringValue!), ("tokenUrl", body["tokenUrl"]!.stringValue!)]
            }
            let refused = try await admin.post("/connectors", fields(secret: "wrong-secret-value"))
            #expect(refused.status == 422 && refused.text.contains("Bad credentials") && refused.text.contains("What Zoom answered, per data source"))
            #expect(refused.text.contains(#"<span class="n">3</span> Validate"#) && refused.text.contains(body["accountId"]!.stringValue!))
            #expect(!refused.text.contains("wrong-secret-value") && !refused.text.contains("whsec-never-echoed"))
            #expect(refused.text.contains(#"<option value="business" selected>"#))
            #expect(try await f.deps.connectors.list().isEmpty)

            let created = try await admin.post("/connectors", fields(secret: body["clientSecret"]!.stringValue!))
            let location = try #require(created.headers.value("location"))
            #expect(created.status == 303 && location.hasSuffix("?connected=1"))
            let landing = try await admin.get(location)
            #expect(landing.text.contains(#"<span class="n">4</span> Connected"#))
            // Every data source with the scope it needs; the report scope is named missing, with what it disables.
            for source in ZoomDataSource.allCases.map(DataSource.init) { #expect(landing.text.contains("<td>\(source.rawValue)</td>")) }
            #expect(landing.text.contains("<code>report:read:admin</code> <span class=\"bad\">missing</span>"))
            #expect(landing.text.contains("<code>user:read:admin</code> <span class=\"ok\">granted</span>"))
            #expect(landing.text.contains("Controls that cannot be evaluated until this is fixed:"))
            #expect(landing.text.contains(#"id="sync-progress""#))

            let session = try await Session.login(http: f.http, base: f.base, email: ServerFixture.adminEmail, password: ServerFixture.adminPassword)
            _ = try await session.send("POST", "/api/v1/operators", json: ["email": "val@example.com", "password": "viewer-password-3", "role": "viewer"])
            let viewer = Browser(f)
            try await viewer.login("val@example.com", "viewer-password-3")
            #expect(try await viewer.get("/connectors/new").status == 403)
            #expect(try await viewer.get("/connectors/new/credentials?name=x").status == 403)
            #expect(!(try await viewer.get("/connectors").text.contains("/connectors/new")))

            // The users page names who is outside the two-factor requirement.
            let id = try #require(try await f.deps.connectors.list().first?.id)
            try await f.waitForSync(id)
            let users = try await admin.get("/connectors/\(id)/users")
            #expect(users.text.contains("<th scope=\"col\">2FA</th>") && users.text.contains("two-factor authentication is required for"))

            // Manage: a wrong new secret is refused and the stored one kept; disconnect, reconnect; delete only with the name typed.
            let page = try await admin.get("/connectors/\(id)")
            let csrf = try #require(Browser.csrf(page.text))
            let secretBefore = try await f.deps.connectors.credentials(id: id)?["client_secret"]
            let wrong = try await admin.post("/connectors/\(id)/reconnect", [("csrf", csrf), ("clientSecret", "rotated-but-wrong")])
            #expect(wrong.status == 422 && wrong.text.contains("The stored secret was not changed"))
            #expect(try await f.deps.connectors.credentials(id: id)?["client_secret"] == secretBefore)
            #expect(try await admin.post("/connectors/\(id)/disconnect", [("csrf", csrf)]).status == 303)
            let paused = try await admin.get("/connectors/\(id)")
            #expect(paused.text.contains("status-disconnected") && paused.text.contains(">Reconnect</button>") && !paused.text.contains("Disconnect (stop"))
            #expect(try await admin.post("/connectors/\(id)/reconnect", [("csrf", csrf)]).status == 303)
            #expect(try await f.deps.connectors.get(id: id)?.status != "disconnected")
            let unconfirmed = try await admin.post("/connectors/\(id)/delete", [("csrf", csrf), ("confirm", "Zoom")])
            #expect(unconfirmed.status == 422 && unconfirmed.text.contains("Nothing was deleted"))
            #expect(try await f.deps.connectors.get(id: id) != nil)
            #expect(try await admin.post("/connectors/\(id)/delete", [("csrf", csrf), ("confirm", "Zoom EU")]).status == 303)
            #expect(try await f.deps.connectors.get(id: id) == nil)
        }
    }

    @Test("no Swift nil in pages, security headers on redirects, a form too large is a page not a 500, the state form keeps what was typed and shows the current state")
    func pageEdges() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 99).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let admin = Browser(f)
            try await admin.login(ServerFixture.adminEmail, ServerFixture.adminPassword)

            // Redirects carry the same headers as pages.
            let root = try await admin.get("/")
            #expect(root.status == 303 && root.headers.value("content-security-policy")?.contains("default-src 'self'") == true)
            #expect(root.headers.value("x-content-type-options") == "nosniff" && root.headers.value("cache-control") == "no-store")

            // The last activity page has no next link; a bad cursor is an error page without "nil".
            var next: String? = "/connectors/\(id)/activities"
            var pages = 0
            while let path = next, pages < 50 {
                let page = try await admin.get(path)
                #expect(page.status == 200 && !page.text.contains("nil"))
                next = page.text.range(of: #"href="([^"]+)" rel="next""#, options: .regularExpression)
                    .map { String(page.text[$0].dropFirst(6).prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&") }
                pages += 1
            }
            #expect(pages >= 1 && pages < 50)
            let badCursor = try await admin.get("/connectors/\(id)/activities?cursor=garbage")
            #expect(badCursor.status == 400 && !badCursor.text.contains("nil") && badCursor.text.contains("<html"))

            // The product filter: Zoom keeps every action, another product none.
            #expect(try await admin.get("/connectors/\(id)/recommendations?product=zoom").text.contains("\(ZoomCatalogue.all.count) action(s)."))
            #expect(try await admin.get("/connectors/\(id)/recommendations?product=teams").text.contains("0 action(s)."))

            // A state set without a rationale shows no "nil"; the form shows the current state.
            let detail = try await admin.get("/connectors/\(id)/recommendations/ZID-01")
            let token = try #require(Browser.csrf(detail.text))
            #expect(try await admin.post("/connectors/\(id)/recommendations/ZID-01/state", [("csrf", token), ("state", "planned")]).status == 303)
            let planned = try await admin.get("/connectors/\(id)/recommendations/ZID-01")
            #expect(!planned.text.contains("nil") && planned.text.contains(#"<option value="planned" selected>"#))
            // A refused change keeps what was typed.
            let refused = try await admin.post("/connectors/\(id)/recommendations/ZID-01/state", [("csrf", token), ("state", "risk_accepted"), ("rationale", "Kept text")])
            #expect(refused.status == 400 && refused.text.contains(">Kept text</textarea>") && refused.text.contains(#"<option value="risk_accepted" selected>"#))

            // A form over 64 KB: an error page (413), nothing saved.
            let huge = try await admin.post("/connectors/\(id)/recommendations/ZID-01/state",
                                            [("csrf", token), ("state", "risk_accepted"), ("rationale", String(repeating: "x", count: 70_000))])
            #expect(huge.status == 413 && huge.text.contains("larger than 64 KB") && huge.headers.value("content-type")?.hasPrefix("text/html") == true)
            #expect(try await f.deps.posture.stateChanges(connectorID: id, controlID: "ZID-01").count == 1)

            // An empty "new client secret" form says so; a disconnected connector offers no "Sync now".
            let empty = try await admin.post("/connectors/\(id)/reconnect", [("csrf", token), ("rotate", "1"), ("clientSecret", ""), ("webhookSecretToken", "")])
            #expect(empty.status == 422 && empty.text.contains("both fields were empty"))
            // A relay port that is not a number is refused, not quietly replaced by 587.
            let badPort = try await admin.post("/settings/channels", [("csrf", token), ("name", "mail"), ("kind", "email"), ("host", "smtp.example.com"),
                                                                     ("port", "99999999999999999999999"), ("security", "starttls"), ("from", "a@example.com"), ("to", "b@example.com")])
            #expect(badPort.status == 422 && badPort.text.contains("email.port"), "\(badPort.status)")
            #expect(try await f.deps.stores.notifications.channels().isEmpty)
            #expect(try await admin.post("/connectors/\(id)/disconnect", [("csrf", token)]).status == 303)
            let paused = try await admin.get("/connectors/\(id)")
            #expect(!paused.text.contains(">Sync now<"))
            let refusedSync = try await admin.post("/connectors/\(id)/sync", [("csrf", token)])
            #expect(refusedSync.status == 409 && refusedSync.text.contains("Use Reconnect") && !refusedSync.text.contains("/api/v1"))

            // After setup, posting the setup form again leads to sign-in.
            let anonymous = Browser(f)
            #expect(try await anonymous.post("/setup", [("email", "x@example.com"), ("password", "another-long-password")]).headers.value("location") == "/login")
        }
    }

    @Test("one posture rule for the API and the page: the same refused state change gets the same status and words through both; a state set through the page shows in the API's detail, list and audit log")
    func stateRuleShared() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 93).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let admin = Browser(f)
            try await admin.login(ServerFixture.adminEmail, ServerFixture.adminPassword)
            let control = "ZID-01"
            let path = "/connectors/\(id)/recommendations/\(control)"
            let token = try #require(Browser.csrf(try await admin.get(path).text))
            let future = ISO8601DateFormatter.string(from: Date().addingTimeInterval(45 * 86_400), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])

            // Each refusal: (state, rationale, expiresAt), the words it must contain.
            let refusals: [(String, String?, String?, String)] = [
                ("risk_accepted", nil, future, "A rationale is required for risk_accepted."),
                ("resolved_alternate", "   ", nil, "A rationale is required for resolved_alternate."),
                ("risk_accepted", "Legacy rooms", "2001-01-01", "expiresAt is in the past."),
                ("risk_accepted", "Legacy rooms", "next spring", "is not a date (YYYY-MM-DD) or an RFC 3339 date-time."),
                ("risk_accepted", "Legacy rooms", nil, "needs an expiry date"),
                ("completed", nil, nil, "cannot be set."),
            ]
            for (state, rationale, expires, words) in refusals {
                var json: JSONValue = ["state": .string(state)]
                if let rationale { json["rationale"] = .string(rationale) }
                if let expires { json["expiresAt"] = .string(expires) }
                let api = try await f.send("PUT", "/api/v1\(path)/state", json: json)
                let message = try #require(api.json["error"]?["message"]?.stringValue), fix = try #require(api.json["error"]?["fix"]?.stringValue)
                #expect(api.status == 400 && message.contains(words), "API: \(state) \(api.text)")

                var fields = [("csrf", token), ("state", state)]
                if let rationale { fields.append(("rationale", rationale)) }
                if let expires { fields.append(("expiresAt", expires)) }
                let page = try await admin.post("\(path)/state", fields)
                #expect(page.status == api.status, "page: \(state) \(page.status)")
                #expect(page.text.contains(Self.escaped(message + " " + fix)), "page: \(state) does not say \(message) \(fix)")
            }
            #expect(try await f.deps.posture.stateChanges(connectorID: id, controlID: control).isEmpty)
            #expect(try await f.send("GET", "/api/v1/audit").json["items"]?.arrayValue?.contains { $0["action"]?.stringValue == "control.state" } == false)

            // Accepted through the page: the API's detail, its list and the audit log show it.
            let accepted = try await admin.post("\(path)/state", [("csrf", token), ("state", "risk_accepted"), ("rationale", "  Town halls until the new rooms  "),
                                                                   ("expiresAt", future)])
            #expect(accepted.status == 303 && accepted.headers.value("location") == path)
            let detail = try await f.send("GET", "/api/v1\(path)").json
            #expect(detail["finding"]?["state"]?.stringValue == "risk_accepted")
            let change = try #require(detail["stateChanges"]?.arrayValue?.first)
            #expect(change["toState"]?.stringValue == "risk_accepted" && change["rationale"]?.stringValue == "Town halls until the new rooms")
            #expect(change["by"]?.stringValue == ServerFixture.adminEmail && change["expiresAt"]?.stringValue?.hasPrefix(future) == true)
            let listed = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations?state=risk_accepted").json["items"]?.arrayValue ?? []
            #expect(listed.map { $0["controlId"]?.stringValue } == [control])
            let audit = try await f.send("GET", "/api/v1/audit").json["items"]?.arrayValue ?? []
            let entry = try #require(audit.first { $0["action"]?.stringValue == "control.state" })
            #expect(entry["actor"]?.stringValue == ServerFixture.adminEmail && entry["target"]?.stringValue == "\(id)/\(control)")
            #expect(entry["detail"]?.stringValue == "risk_accepted until \(future)T00:00:00Z")
        }
    }

    /// Text as the pages escape it.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
