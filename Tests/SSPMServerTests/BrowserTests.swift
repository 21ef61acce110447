import Foundation
import SSPMCore
import SSPMServer
import SSPMTestSupport
import Testing
import ZoomSimulator

/// The web UI in a real headless Chromium (Debian's chromium and chromium-driver, which .ci/run
/// installs), driving the real server and simulated Zoom. Screenshots go to
/// $SSPM_SCREENSHOT_DIR or .build/screenshots (not committed).
@Suite(.serialized)
struct BrowserTests {
    static var screenshots: String {
        if let dir = ProcessInfo.processInfo.environment["SSPM_SCREENSHOT_DIR"], !dir.isEmpty { return dir }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/screenshots").path
    }

    @Test("first-run setup, connect an app and watch it connect, accept a risk with an expiry, filter and export the activity log, an inert hostile user name, a viewer who cannot change anything")
    func browserJourney() async throws {
        guard WebDriver.available else {
            print("BrowserTests: chromium and chromedriver are not installed (apt-get install chromium chromium-driver; .ci/run does), so the browser test is skipped.")
            return
        }
        var tenant = TenantGenerator(users: 60, groups: 3, days: 3, seed: 95).generate()
        let evil = "<img src=x onerror=alert(1)>"
        tenant.users[1]["display_name"] = .string(evil)
        tenant.users[1]["first_name"] = .string(evil)
        try await ServerFixture.with(tenant, createAdmin: false) { f in
            let browser = try await WebDriver.start(http: f.http)
            do {
                try await journey(f, browser, tenant: tenant, evil: evil)
                await browser.quit()
            } catch {
                try? await browser.screenshot(to: Self.screenshots + "/failure.png")
                await browser.quit()
                throw error
            }
        }
    }

    func journey(_ f: ServerFixture, _ b: WebDriver, tenant: Tenant, evil: String) async throws {
        let shots = Self.screenshots
        // First run: / leads to the setup form.
        try await b.open(f.base + "/")
        #expect(try await b.currentURL().hasSuffix("/setup"))
        try await b.type("#email", "owner@example.com")
        try await b.type("#password", "a-long-owner-passphrase")
        try await b.screenshot(to: shots + "/01-setup.png")
        try await b.click("form button[type=submit]")
        #expect(try await b.currentURL().hasSuffix("/connectors"))

        // Connect an app → Zoom.
        let credentials = await f.sim.simulator.credentials()
        try await b.type("#name", "Zoom – production")
        try await b.type("#accountId", credentials.accountID)
        try await b.type("#clientId", credentials.clientID)
        try await b.type("#clientSecret", credentials.clientSecret.value)
        try await b.click("details summary")
        try await b.type("#apiUrl", f.sim.simulator.apiURL)
        try await b.type("#tokenUrl", f.sim.simulator.tokenURL)
        try await b.screenshot(to: shots + "/02-connect.png")
        try await b.click("form.card button[type=submit]")
        let connectorURL = try await b.currentURL()
        #expect(connectorURL.contains("/connectors/"))
        let connected = try await b.waitFor(reload: connectorURL) { $0.contains("status status-connected") && $0.contains("<svg class=\"trend\"") }
        #expect(connected.contains("Health per data source"))
        #expect(!connected.contains("nil"))  // no Swift optionals leak into pages
        try await b.screenshot(to: shots + "/03-secure-score.png")
        let id = String(connectorURL.split(separator: "/").last!)

        // A recommendation: accept the risk with an expiry.
        try await b.open(f.base + "/connectors/\(id)/recommendations?verdict=fail")
        try await b.screenshot(to: shots + "/04-recommendations.png")
        try await b.click("tbody tr td a")
        #expect(try await b.source().contains("How to fix it"))
        try await b.script("document.getElementById('state').value = 'risk_accepted'; document.getElementById('expiresAt').value = arguments[0];",
                           [.string(ISO8601DateFormatter.string(from: Date().addingTimeInterval(90 * 86_400), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate]))])
        try await b.type("#rationale", "Town halls need it until the new rooms arrive")
        try await b.click("form[action$='/state'] button[type=submit]")
        let accepted = try await b.source()
        #expect(accepted.contains("state <strong>risk_accepted</strong>"))
        #expect(accepted.contains("Town halls need it until the new rooms arrive"))
        try await b.screenshot(to: shots + "/05-risk-accepted.png")

        // Activity log: filter by a user and type; the CSV export link serves CSV.
        let email = tenant.activityLogs.first!["email"]!.stringValue!
        try await b.open(f.base + "/connectors/\(id)/activities")
        try await b.type("#user", email)
        try await b.script("document.getElementById('type').value = 'signin';")
        try await b.click("form.filters button[type=submit]")
        let filtered = try await b.source()
        let rows = filtered.components(separatedBy: "<tr><td>").count - 1
        #expect(rows > 0)
        #expect(filtered.components(separatedBy: email).count - 1 >= rows)
        try await b.screenshot(to: shots + "/06-activity.png")
        let href = try await b.script("return document.querySelector('a[href*=\"format=csv\"]').getAttribute('href');").stringValue ?? ""
        let cookie = try await b.cookies().map { "\($0.0)=\($0.1)" }.joined(separator: "; ")
        let csv = try await ServerFixture.send(http: f.http, base: f.base, "GET", href, headers: [("Cookie", cookie)])
        #expect(csv.status == 200 && csv.text.hasPrefix("time,kind,user,ipAddress,action,target,detail,fingerprint"))
        #expect(csv.text.split(separator: "\n").count == rows + 1)

        // A hostile display name renders as text.
        try await b.open(f.base + "/connectors/\(id)/users?q=img")
        #expect(try await b.script("return document.querySelectorAll('main img').length;").intValue == 0)
        #expect(try await b.alertText() == nil)
        #expect(try await b.script("return document.querySelector('main tbody td').textContent;").stringValue?.contains(evil) == true)
        try await b.screenshot(to: shots + "/07-users.png")

        // A viewer can read but not change.
        let admin = try await Session.login(http: f.http, base: f.base, email: "owner@example.com", password: "a-long-owner-passphrase")
        #expect(try await admin.send("POST", "/api/v1/operators", json: ["email": "vic@example.com", "password": "viewer-passphrase-1", "role": "viewer"]).status == 201)
        try await b.click("form.signout button")
        try await b.type("#email", "vic@example.com")
        try await b.type("#password", "viewer-passphrase-1")
        try await b.click("form button[type=submit]")
        try await b.open(f.base + "/connectors/\(id)")
        let viewerPage = try await b.source()
        #expect(viewerPage.contains("Secure Score") && !viewerPage.contains("Sync now"))
        // Post the admin forms anyway (with the viewer's own CSRF token): refused, nothing changes.
        for action in ["sync", "disconnect", "delete"] {
            try await b.script("""
                const form = document.createElement('form'); form.method = 'post'; form.action = arguments[0];
                const token = document.querySelector('input[name=csrf]').value;
                form.innerHTML = '<input type="hidden" name="csrf" value="' + token + '">'; document.body.appendChild(form); form.submit();
                """, [.string("/connectors/\(id)/\(action)")])
            let refused = try await b.waitFor(timeout: .seconds(10)) { $0.contains("can read but not change") }
            #expect(refused.contains("can read but not change"))
        }
        try await b.screenshot(to: shots + "/08-viewer-refused.png")
        let status = try await f.deps.connectors.get(id: id)?.status
        #expect(status == "connected")
    }
}
