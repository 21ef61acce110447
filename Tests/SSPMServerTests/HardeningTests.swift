import AsyncHTTPClient
import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMServer
import SSPMStorage
import SSPMTestSupport
import Testing
import Yams
import ZoomAPI
import ZoomSimulator
#if canImport(Glibc)
import Glibc
#endif

/// What a hostile client tries: other spellings of a path, floods of sign-ins, odd content types,
/// large bodies, half-sent requests, hosts that are not Zoom's. Each test fails without its fix.
@Suite(.serialized)
struct HardeningTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every operation of docs/openapi.yaml, as (METHOD, path template).
    static func documentedOperations() throws -> [(String, String)] {
        let file = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: file) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations: [(String, String)] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            for method in ["get", "put", "post", "delete", "patch"] where (item as? [String: Any])?[method] != nil {
                operations.append((method.uppercased(), path))
            }
        }
        return operations
    }

    /// Spellings of `path` that a router ignoring empty segments might still match.
    static func variants(_ path: String) -> [String] {
        var result = ["/" + path, path + "/", path + "//", path.replacingOccurrences(of: "/v1/", with: "//v1/"),
                      path.replacingOccurrences(of: "/v1/", with: "/v1//"), path.replacingOccurrences(of: "/api/v1", with: "/api%2Fv1"),
                      path.replacingOccurrences(of: "/v1/", with: "/v1/./")]
        if let last = path.lastIndex(of: "/"), last != path.startIndex { result.append(path.replacingCharacters(in: last...last, with: "//")) }
        return Array(Set(result).subtracting([path])).sorted()
    }

    /// What an unauthenticated walk must not change: connectors and their status, tokens, operators,
    /// the audit log, sync requests, and the requests made to Zoom.
    static func snapshot(_ f: ServerFixture) async throws -> String {
        let connectors = try await f.send("GET", "/api/v1/connectors").json["items"]?.arrayValue ?? []
        let tokens = try await f.send("GET", "/api/v1/tokens").json["items"]?.arrayValue ?? []
        let operators = try await f.send("GET", "/api/v1/operators").json["items"]?.arrayValue ?? []
        let audit = try await f.send("GET", "/api/v1/audit?limit=5000").json["items"]?.arrayValue ?? []
        var jobs: [String] = []
        for c in connectors {
            let id = c["id"]!.stringValue!
            let job = try await f.deps.jobs.job(connectorID: id)
            jobs.append("\(id) \(String(describing: job?.nextPostureAt)) \(String(describing: job?.paused))")
        }
        let zoomRequests = await f.sim.engine.rateLimitCounters().served.values.reduce(0, +)
        return [
            connectors.map { "\($0["id"]!.stringValue!) \($0["status"]!.stringValue!) \($0["name"]!.stringValue!)" }.joined(separator: ","),
            tokens.map { "\($0["id"]!.stringValue!) \($0["revokedAt"]?.stringValue ?? "active")" }.joined(separator: ","),
            operators.map { $0["email"]!.stringValue! }.joined(separator: ","),
            "audit \(audit.count)", jobs.joined(separator: ","), "zoom \(zoomRequests)",
        ].joined(separator: "\n")
    }

    /// A raw TCP connection to the server (for what an HTTP client library will not send). Its
    /// blocking calls run through `blocking`.
    struct RawConnection: Sendable {
        let fd: Int32

        init(port: Int, receiveTimeout seconds: Int = 8) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw HTTPError(description: "socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let fd = fd
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw HTTPError(description: "connect") }
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func close() { _ = Glibc.close(fd) }

        /// Sends all of `data`; false once the peer closed (or the send timed out).
        @discardableResult
        func send(_ data: Data) async throws -> Bool {
            let fd = fd
            return try await blockingCall {
                data.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                        if sent <= 0 { return false }
                        offset += sent
                    }
                    return true
                }
            }
        }

        @discardableResult
        func send(_ text: String) async throws -> Bool { try await send(Data(text.utf8)) }

        /// What arrives until the peer closes or the receive timeout passes.
        func receive() async throws -> String {
            let fd = fd
            return try await blockingCall {
                var result = Data()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let read = recv(fd, &buffer, buffer.count, 0)
                    if read <= 0 { break }
                    result.append(contentsOf: buffer[0..<read])
                }
                return String(decoding: result, as: UTF8.self)
            }
        }
    }

    @Test("no spelling of any documented path reaches a handler without credentials, and nothing changes (doubled, trailing and encoded slashes, dot segments)")
    func pathVariantWalk() async throws {
        let tenant = TenantGenerator(users: 12, groups: 1, days: 1, seed: 201).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let viewer = try await f.send("POST", "/api/v1/operators", json: ["email": "vera@example.com", "password": "viewer-password-1", "role": "viewer"])
            let operatorID = try #require(viewer.json["id"]?.stringValue)
            let tokenID = try #require(try await f.send("GET", "/api/v1/tokens").json["items"]?.arrayValue?.first?["id"]?.stringValue)
            let scanID = try #require(try await f.send("GET", "/api/v1/connectors/\(id)/scans").json["items"]?.arrayValue?.first?["id"]?.stringValue)
            let values = ["connectorId": id, "operatorId": operatorID, "tokenId": tokenID, "controlId": "ZID-01", "scanId": scanID]
            let before = try await Self.snapshot(f)

            let operations = try Self.documentedOperations()
            #expect(operations.count > 35)
            let open: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.yaml", "/api/v1/setup", "/api/v1/auth/login"]
            var checked = 0
            for (method, template) in operations {
                var path = template
                for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
                let body: JSONValue = ["name": "walk", "role": "admin", "state": "planned", "email": "mallory@example.com", "password": "mallory-password-1",
                                       "clientSecret": "x", "accountId": "x", "clientId": "x"]
                if !open.contains(template) && !template.hasPrefix("/webhooks/") {
                    let direct = try await f.send(method, path, json: method == "GET" || method == "DELETE" ? nil : body, token: .some(nil))
                    #expect(direct.status == 401, "\(method) \(path) without credentials answered \(direct.status)")
                }
                for variant in Self.variants(path) {
                    // A client that does not follow redirects: a page's GET may be redirected to its one spelling.
                    let reply = try await ServerFixture.send(http: WebUITests.Browser.http, base: f.base, method, variant,
                                                             json: method == "GET" || method == "DELETE" ? nil : body)
                    #expect(reply.status == 401 || reply.status == 404 || (reply.status == 308 && !variant.contains("/api")),
                            "\(method) \(variant) answered \(reply.status): \(reply.text.prefix(200))")
                    #expect(!(200..<300).contains(reply.status))
                    checked += 1
                }
            }
            #expect(checked > 250)
            // The doubled slash the hostile client used, with a real token id: refused and the token still works.
            #expect(try await f.send("DELETE", "//api/v1/tokens/\(tokenID)", token: .some(nil)).status == 404)
            #expect(try await f.send("GET", "/api/v1/auth/me").status == 200)
            #expect(try await Self.snapshot(f) == before)
        }
    }

    @Test("an undeclared method on a known path answers 405 with Allow; an unknown path 404")
    func methodNotAllowed() async throws {
        try await ServerFixture.withoutZoom { f in
            let trace = try await f.send("TRACE", "/api/v1/audit")
            #expect(trace.status == 405)
            #expect(trace.headers.value("allow") == "GET")
            #expect(trace.errorCode == "method_not_allowed")
            let put = try await f.send("PUT", "/api/v1/connectors", token: .some(nil))
            #expect(put.status == 405 && put.headers.value("allow") == "GET, POST")
            let patch = try await f.send("PATCH", "/api/v1/connectors/abc/recommendations/ZID-01/state")
            #expect(patch.status == 405 && patch.headers.value("allow") == "PUT")
            #expect(try await f.send("GET", "/api/v1/nothing-here").status == 404)
            // HEAD is answered wherever GET is, behind the same gate.
            #expect(try await f.send("HEAD", "/healthz", token: .some(nil)).status == 200)
            #expect(try await f.send("HEAD", "/api/v1/connectors", token: .some(nil)).status == 401)
            #expect(try await f.send("HEAD", "/api/v1/connectors").status == 200)
            // Unauthenticated readiness says whether, not where.
            let ready = try await f.send("GET", "/readyz", token: .some(nil))
            #expect(ready.status == 200 && ready.json["database"] == nil && !ready.text.contains("sqlite"))
            #expect(try await f.send("GET", "/static/app.js", token: .some(nil)).headers.value("x-content-type-options") == "nosniff")
        }
    }

    @Test("JSON endpoints refuse other content types with 415 (a cross-site form cannot sign in or claim setup)")
    func jsonContentTypeRequired() async throws {
        try await ServerFixture.withoutZoom(createAdmin: false) { f in
            let credentials = Data(#"{"email":"eve@example.com","password":"eve-long-password"}"#.utf8)
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let setup = try await f.send("POST", "/api/v1/setup", raw: credentials, token: .some(nil), headers: [("Content-Type", type)])
                #expect(setup.status == 415, "setup with \(type): \(setup.status)")
                #expect(setup.errorCode == "unsupported_media_type")
            }
            let bare = try await f.send("POST", "/api/v1/setup", raw: credentials, token: .some(nil))
            #expect(bare.status == 415)
            #expect(try await f.send("GET", "/api/v1/setup", token: .some(nil)).json["setupRequired"]?.boolValue == true)
            let real = try await f.send("POST", "/api/v1/setup", raw: credentials, token: .some(nil), headers: [("Content-Type", "application/json; charset=utf-8")])
            #expect(real.status == 201)
            let login = try await f.send("POST", "/api/v1/auth/login", raw: credentials, token: .some(nil), headers: [("Content-Type", "text/plain")])
            #expect(login.status == 415)
            // Also where the handler reads no body: a body that is not JSON is refused before anything happens.
            let token = try await ServerFixture.makeToken(http: f.http, base: f.base, role: "admin", email: "eve@example.com", password: "eve-long-password")
            let logout = try await f.send("POST", "/api/v1/auth/logout", raw: Data("x=1".utf8), token: token, headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(logout.status == 415)
            #expect(try await f.send("GET", "/api/v1/tokens", token: token).json["items"]?.arrayValue?.count == 1)
        }
    }

    @Test("bodies over the limit answer 413 everywhere (webhooks, reconnect), logged as a warning, not an error")
    func bodiesTooLarge() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 204).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            let big = Data(repeating: UInt8(ascii: "a"), count: 2 << 20)
            let webhook = try await f.send("POST", "/webhooks/zoom/\(id)", raw: big, token: .some(nil), headers: [("Content-Type", "application/json")])
            #expect(webhook.status == 413 && webhook.errorCode == "too_large")
            let reconnect = try await f.send("POST", "/api/v1/connectors/\(id)/reconnect", raw: big, headers: [("Content-Type", "application/json")])
            #expect(reconnect.status == 413)
            let login = try await f.send("POST", "/api/v1/auth/login", raw: big, token: .some(nil), headers: [("Content-Type", "application/json")])
            #expect(login.status == 413)
            // Endpoints whose handlers never read a body refuse one over the limit too.
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync", raw: big, headers: [("Content-Type", "application/json")]).status == 413)
            #expect(try await f.send("GET", "/api/v1/connectors", raw: big).status == 413)
            // A malformed chunked body and a body cut short answer 400, not 500.
            let malformed = try RawConnection(port: f.server.port)
            defer { malformed.close() }
            try await malformed.send("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
            let malformedReply = try await malformed.receive()
            #expect(malformedReply.hasPrefix("HTTP/1.1 400"), "\(malformedReply.prefix(200))")
            let short = try RawConnection(port: f.server.port)
            defer { short.close() }
            try await short.send("POST /webhooks/zoom/\(id) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"event\":")
            shutdown(short.fd, Int32(SHUT_WR))
            let shortReply = try await short.receive()
            #expect(!shortReply.contains(" 500 "), "\(shortReply.prefix(200))")
            // An endless body to an endpoint that refuses the caller at once is not read for ever.
            let endless = try RawConnection(port: f.server.port)
            defer { endless.close() }
            try await endless.send("POST /api/v1/operators HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = Data("10000\r\n".utf8) + Data(repeating: UInt8(ascii: "a"), count: 0x10000) + Data("\r\n".utf8)
            var sent = 0
            while sent < 256 << 20, try await endless.send(chunk) { sent += 0x10000 }
            #expect(sent < 32 << 20, "the server read \(sent >> 20) MiB of a refused body")
            let errors = f.sim.logs.all.filter { $0.hasPrefix("error") }
            #expect(errors.isEmpty, "\(errors)")
            #expect(f.sim.logs.all.contains { $0.hasPrefix("warning Request body refused") })
        }
    }

    /// Sends `count` wrong passwords at once; returns the statuses.
    static func flood(_ f: ServerFixture, email: String, count: Int, forwardedFor: @escaping @Sendable (Int) -> String? = { _ in nil }) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<count {
                group.addTask {
                    let headers = forwardedFor(i).map { [("X-Forwarded-For", $0)] } ?? []
                    return try await f.send("POST", "/api/v1/auth/login", json: ["email": .string(email), "password": .string("wrong-password-\(i)")],
                                            token: .some(nil), headers: headers).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("50 parallel wrong sign-ins: no 5xx, at most 5 passwords checked, and a signed-in user's requests keep answering promptly")
    func signInFlood() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 205).generate()
        try await ServerFixture.with(tenant, configure: { $0.bcryptCost = 10 }) { f in
            _ = try await f.createConnector()
            // A signed-in user keeps using the API during the flood; the slowest answer is measured.
            let probe = Task { () -> Duration in
                var slowest = Duration.zero
                for _ in 0..<20 {
                    let start = ContinuousClock.now
                    let reply = try await f.send("GET", "/api/v1/connectors")
                    #expect(reply.status == 200)
                    slowest = max(slowest, ContinuousClock.now - start)
                    try await Task.sleep(for: .milliseconds(50))
                }
                return slowest
            }
            let statuses = try await Self.flood(f, email: ServerFixture.adminEmail, count: 50)
            let slowest = try await probe.value
            #expect(statuses.allSatisfy { $0 < 500 }, "\(statuses.sorted())")
            let checked = statuses.filter { $0 == 401 }.count
            #expect(checked <= 5, "\(checked) passwords were checked")
            #expect(checked >= 1)
            #expect(statuses.filter { $0 == 429 }.count == 50 - checked)
            #expect(slowest < .seconds(2), "GET /api/v1/connectors took \(slowest) during the flood")
            print("sign-in flood: \(checked) passwords checked, 50 answers, slowest signed-in request \(slowest)")
            let audit = try await f.send("GET", "/api/v1/audit?limit=5000").json["items"]?.arrayValue ?? []
            #expect(audit.filter { $0["action"]?.stringValue == "login.failed" }.count == checked)
        }
    }

    @Test("a flood from one client does not lock the owner out from another; X-Forwarded-For counts only from a trusted proxy")
    func throttlePerClient() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 206).generate()
        try await ServerFixture.with(tenant, configure: { $0.trustedProxies = ["127.0.0.1"] }) { f in
            let attacker = try await Self.flood(f, email: ServerFixture.adminEmail, count: 12, forwardedFor: { _ in "203.0.113.9" })
            #expect(attacker.filter { $0 == 429 }.count >= 7, "\(attacker.sorted())")
            // An attempt counts from its start, so a parallel flood may be refused a little early (never late):
            // wrong passwords one at a time until the refusal, never more than 5 checked in all.
            var checked = attacker.filter { $0 == 401 }.count
            while checked < 5 {
                let status = try await f.send("POST", "/api/v1/auth/login", json: ["email": .string(ServerFixture.adminEmail), "password": "wrong-in-turn"],
                                              token: .some(nil), headers: [("X-Forwarded-For", "203.0.113.9")]).status
                if status != 401 { break }
                checked += 1
            }
            #expect(checked <= 5)
            let again = try await f.send("POST", "/api/v1/auth/login", json: ["email": .string(ServerFixture.adminEmail), "password": .string(ServerFixture.adminPassword)],
                                         token: .some(nil), headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(again.status == 429)
            #expect(again.headers.value("retry-after") != nil)
            let owner = try await f.send("POST", "/api/v1/auth/login", json: ["email": .string(ServerFixture.adminEmail), "password": .string(ServerFixture.adminPassword)],
                                         token: .some(nil), headers: [("X-Forwarded-For", "198.51.100.7")])
            #expect(owner.status == 200, "the owner was locked out: \(owner.status) \(owner.text)")
            // A proxy that adds the port does not make a new client.
            let withPort = try await f.send("POST", "/api/v1/auth/login", json: ["email": .string(ServerFixture.adminEmail), "password": "wrong-again-1"],
                                            token: .some(nil), headers: [("X-Forwarded-For", "203.0.113.9:5555")])
            #expect(withPort.status == 429)
            // A throttled e-mail cannot forge log lines.
            _ = try await f.send("POST", "/api/v1/auth/login", json: ["email": .string("zz\ncritical FORGED LOG LINE"), "password": "x"],
                                 token: .some(nil), headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(!f.sim.logs.all.contains { $0.contains("\ncritical FORGED") })
            // The audit log names the client the proxy reported.
            let audit = try await f.send("GET", "/api/v1/audit?limit=50").json["items"]?.arrayValue ?? []
            #expect(audit.contains { $0["action"]?.stringValue == "login.failed" && $0["detail"]?.stringValue == "from 203.0.113.9" })
        }
        // Without a trusted proxy, a client cannot escape the throttle by inventing X-Forwarded-For values.
        try await ServerFixture.with(tenant) { f in
            let statuses = try await Self.flood(f, email: ServerFixture.adminEmail, count: 12, forwardedFor: { "198.51.100.\($0 + 1)" })
            #expect(statuses.filter { $0 == 401 }.count <= 5)
            #expect(statuses.filter { $0 == 429 }.count >= 7)
        }
    }

    @Test("an unknown address costs the same bcrypt work as a known one")
    func signInTimingDoesNotTellAccounts() async throws {
        try await ServerFixture.withoutZoom(configure: { $0.bcryptCost = 10; $0.trustedProxies = ["127.0.0.1"] }) { f in
            func time(_ email: String, client: String) async throws -> Duration {
                let start = ContinuousClock.now
                let reply = try await f.send("POST", "/api/v1/auth/login", json: ["email": .string(email), "password": "not-the-password"],
                                             token: .some(nil), headers: [("X-Forwarded-For", client)])
                #expect(reply.status == 401)
                return ContinuousClock.now - start
            }
            _ = try await time("warm-up@example.com", client: "192.0.2.250")
            var known: [Duration] = [], unknown: [Duration] = []
            for i in 0..<6 {
                known.append(try await time(ServerFixture.adminEmail, client: "192.0.2.\(i + 1)"))
                unknown.append(try await time("nobody-\(i)@example.com", client: "192.0.2.\(i + 101)"))
            }
            let knownMedian = known.sorted()[3], unknownMedian = unknown.sorted()[3]
            print("sign-in timing: known \(knownMedian), unknown \(unknownMedian)")
            #expect(unknownMedian * 2 > knownMedian, "unknown \(unknownMedian) vs known \(knownMedian)")
        }
    }

    @Test("audit log and sign-in failures are bounded: retention days and a cap on failed sign-ins")
    func retention() async throws {
        try await ServerFixture.withoutZoom(configure: { $0.failedSignInAuditCap = 10; $0.auditRetentionDays = 30 }) { f in
            let now = Date()
            for i in 0..<25 { try await f.deps.auth.audit(actor: "x\(i)@example.com", action: "login.failed", target: nil, detail: nil, at: now.addingTimeInterval(Double(-i))) }
            try await f.deps.auth.audit(actor: "old@example.com", action: "connector.sync", target: nil, detail: nil, at: now.addingTimeInterval(-40 * 86_400))
            try await f.deps.auth.recordLoginFailure(email: "x@example.com", client: "192.0.2.1", at: now.addingTimeInterval(-3 * 86_400))
            await Housekeeping(deps: f.deps).prune()
            let entries = try await f.deps.auth.auditLog(limit: 5000)
            #expect(entries.filter { $0.action == "login.failed" }.count == 10)
            #expect(entries.filter { $0.action == "login.failed" }.map(\.actor).contains("x0@example.com"))  // the newest kept
            #expect(!entries.contains { $0.actor == "old@example.com" })
            #expect(entries.contains { $0.action == "setup" })
            #expect(try await f.deps.auth.loginFailures(email: "x@example.com", client: "192.0.2.1", since: .distantPast).pair == 0)
        }
    }

    @Test("a connection that sends half a request head is closed after the header timeout")
    func slowHeadersAreCut() async throws {
        try await ServerFixture.withoutZoom(configure: { $0.timeouts.headerRead = 1; $0.timeouts.idle = 3 }) { f in
            let connection = try RawConnection(port: f.server.port)
            defer { connection.close() }
            try await connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let start = ContinuousClock.now
            let reply = try await connection.receive()
            let waited = ContinuousClock.now - start
            #expect(reply.isEmpty, "the server answered a half-sent head: \(reply.prefix(100))")
            #expect(waited < .seconds(6), "the half-open request was kept for \(waited)")
        }
    }

    @Test("the data directory is 0700 and every file in it 0600, also after upgrading a directory an older release left open")
    func privateFiles() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 210).generate()
        func mode(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int ?? -1) & 0o777 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-modes-\(UUID().uuidString)").path
        try await ServerFixture.with(tenant, stores: .sql(.sqlite), configure: { c in
            c.dataDirectory = directory
            c.database = .sqlite(path: directory + "/sspm.sqlite")
        }) { f in
            _ = try await f.createConnector()
            #expect(mode(directory) == 0o700)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(files.contains("sspm.sqlite") && files.contains("master.key") && files.contains("sspm.sqlite-wal"), "\(files)")
            for file in files { #expect(mode(directory + "/" + file) == 0o600, "\(file) is \(String(mode(directory + "/" + file), radix: 8))") }
        }
        // An older release's modes are narrowed at start.
        chmod(directory, 0o755)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) { chmod(directory + "/" + file, 0o644) }
        try await ServerFixture.with(tenant, stores: .sql(.sqlite), configure: { c in
            c.dataDirectory = directory
            c.database = .sqlite(path: directory + "/sspm.sqlite")
        }, createAdmin: false) { _ in
            #expect(mode(directory) == 0o700)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory) { #expect(mode(directory + "/" + file) == 0o600, "\(file)") }
        }
    }

    @Test("a reply from a host that is not Zoom's is never echoed; --allowed-zoom-hosts refuses other hosts")
    func foreignHostsAreNotEchoed() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 211).generate()
        let secretText = "INTERNAL-SERVICE-SECRET-4711"
        let logs = LogCapture()
        let foreign = try await WebhookReceiver.start(secret: "unused", logger: logs.logger(label: "foreign"))
        foreign.respond(with: Array(repeating: 400, count: 50), body: #"{"error":"x","reason":"\#(secretText)","message":"\#(secretText)"}"#)
        defer { Task { await foreign.stop() } }
        try await ServerFixture.with(tenant) { f in
            var body = await f.connectorBody()
            body["tokenUrl"] = .string(foreign.url)
            let reply = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(reply.status == 422)
            #expect(!reply.text.contains(secretText), "\(reply.text)")
            #expect(reply.text.contains("not a Zoom host"))
            #expect(foreign.deliveries.count > 0)
        }
        // A token reply's scope and a 429's headers are not quoted either.
        foreign.respond(with: [200] + Array(repeating: 429, count: 400),
                        body: #"{"access_token":"t","token_type":"bearer","expires_in":3600,"scope":"user:read:admin \#(secretText)"}"#,
                        headers: [("X-RateLimit-Type", secretText + String(repeating: "x", count: 500)), ("Retry-After", secretText)])
        try await ServerFixture.with(tenant) { f in
            var body = await f.connectorBody()
            body["tokenUrl"] = .string(foreign.url)
            body["apiUrl"] = .string(foreign.url.replacingOccurrences(of: "/hook", with: "/v2"))
            let reply = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(!reply.text.contains(secretText), "\(reply.text.prefix(2000))")
            #expect(reply.text.count < 20_000)
        }
        // Redirects are not followed: the allowed host cannot send the client elsewhere.
        let elsewhere = try await WebhookReceiver.start(secret: "unused", logger: logs.logger(label: "elsewhere"))
        foreign.respond(with: Array(repeating: 302, count: 50), headers: [("Location", elsewhere.url)])
        try await ServerFixture.with(tenant, configure: { $0.allowedHosts = ["localhost"] }) { f in
            var body = await f.connectorBody()
            body["tokenUrl"] = .string(foreign.url.replacingOccurrences(of: "127.0.0.1", with: "localhost"))
            let reply = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(reply.status == 422)
            #expect(elsewhere.deliveries.isEmpty, "a redirect was followed to a host that is not allowed")
        }
        await elsewhere.stop()
        try await ServerFixture.with(tenant, configure: { $0.allowedHosts = ["zoom.example.net"] }) { f in
            let hitsBefore = foreign.deliveries.count
            var body = await f.connectorBody()
            body["tokenUrl"] = .string(foreign.url)
            let reply = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(reply.status == 422 && reply.errorCode == "invalid_connector")
            #expect(reply.text.contains("does not allow"))
            #expect(foreign.deliveries.count == hitsBefore)
        }
    }

    @Test("a connector saved before --allowed-zoom-hosts was set is refused when it is used, before any request")
    func allowListAppliesToSavedConnectors() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 215).generate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-allow-\(UUID().uuidString)").path
        func same(_ c: inout ServerConfiguration) {
            c.dataDirectory = directory
            c.database = .sqlite(path: directory + "/sspm.sqlite")
            c.runScheduler = false
        }
        let id = try await ServerFixture.with(tenant, stores: .sql(.sqlite), configure: same) { f in try await f.createConnector() }
        try await ServerFixture.with(tenant, stores: .sql(.sqlite), configure: { same(&$0); $0.allowedHosts = ["zoom.example.net"] }, createAdmin: false) { f in
            let token = try await ServerFixture.makeToken(http: f.http, base: f.base, role: "admin")
            let reply = try await f.send("POST", "/api/v1/connectors/\(id)/validate", token: token)
            #expect(reply.status == 422 && reply.errorCode == "host_not_allowed", "\(reply.status) \(reply.text)")
        }
    }

    @Test("a webhook secret token rotated or a connector deleted on the web page stops the old secret at once")
    func webRotationInvalidatesWebhookSecret() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 212).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            let old = tenant.credentials.webhookSecretToken!
            func post(secret: String) async throws -> Int {
                let body = #"{"event":"user.updated","event_ts":\#(Int64(Date().timeIntervalSince1970 * 1000)),"payload":{"account_id":"a","object":{"id":"u\#(UUID().uuidString)"}}}"#
                let timestamp = String(Int(Date().timeIntervalSince1970))
                return try await f.send("POST", "/webhooks/zoom/\(id)", raw: Data(body.utf8), token: .some(nil),
                                        headers: [("Content-Type", "application/json"), ("x-zm-request-timestamp", timestamp),
                                                  ("x-zm-signature", ZoomWebhookSignature.signature(secret: secret, timestamp: timestamp, body: Data(body.utf8)))]).status
            }
            #expect(try await post(secret: old) == 204)  // cached now
            let browser = WebUITests.Browser(f)
            try await browser.login(ServerFixture.adminEmail, ServerFixture.adminPassword)
            let page = try await browser.get("/connectors/\(id)")
            let csrf = try #require(WebUITests.Browser.csrf(page.text))
            let rotated = try await browser.post("/connectors/\(id)/reconnect", [("csrf", csrf), ("rotate", "1"), ("webhookSecretToken", "brand-new-secret-token")])
            #expect(rotated.status == 303, "\(rotated.status) \(rotated.text.prefix(300))")
            #expect(try await post(secret: old) == 401)
            #expect(try await post(secret: "brand-new-secret-token") == 204)
            let deleted = try await browser.post("/connectors/\(id)/delete", [("csrf", csrf), ("confirm", "Acme Zoom")])
            #expect(deleted.status == 303)
            #expect(try await post(secret: "brand-new-secret-token") == 404)
        }
    }

    @Test("the activity log's user filter and the user search read the same in the API as on the page (one parser each)")
    func activityUserFilter() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 2, seed: 213).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let user = try #require(try await f.send("GET", "/api/v1/connectors/\(id)/activities?type=signin&limit=1").json["items"]?.arrayValue?.first?["user"]?.stringValue)
            let shouted = user.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let api = try await f.send("GET", "/api/v1/connectors/\(id)/activities?user=\(shouted)").json["items"]?.arrayValue ?? []
            #expect(!api.isEmpty)
            #expect(api.allSatisfy { $0["user"]?.stringValue == user })
            let csv = try await f.send("GET", "/api/v1/connectors/\(id)/activities?format=csv&user=\(shouted)")
            #expect(csv.text.contains(user))
            // The user search is one piece too: the same hits in the API and on the page.
            let local = String(user.split(separator: "@")[0]).uppercased()
            let found = try await f.send("GET", "/api/v1/connectors/\(id)/users?q=\(local)").json["items"]?.arrayValue ?? []
            #expect(found.contains { $0["email"]?.stringValue == user })
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)/users?q=\(local)&status=bogus").status == 400)
            let browser = WebUITests.Browser(f)
            try await browser.login(ServerFixture.adminEmail, ServerFixture.adminPassword)
            let page = try await browser.get("/connectors/\(id)/users?q=\(local)")
            #expect(page.status == 200 && page.text.contains(user))
            for item in found { #expect(page.text.contains(item["email"]!.stringValue!)) }
        }
    }

    @Test("connector bodies: members that are not the provider's fields are ignored whatever their type; a provider field that is not a string is a 400")
    func connectorBodyMembers() async throws {
        let tenant = TenantGenerator(users: 8, groups: 1, days: 1, seed: 41).generate()
        try await ServerFixture.with(tenant) { f in
            var body = await f.connectorBody()
            body["note"] = ["nested": [1, 2]]
            body["extra"] = .bool(true)
            let created = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["connector"]?["id"]?.stringValue)
            // Schema-valid extras on a reconnect change nothing and are not refused (schemathesis ST202).
            let extras = try await f.send("POST", "/api/v1/connectors/\(id)/reconnect", json: ["x": ["y": 1], "z": [false]])
            #expect(extras.status == 200, "\(extras.text)")
            // A provider field of the wrong type is named.
            let wrong = try await f.send("POST", "/api/v1/connectors/\(id)/reconnect", json: ["clientSecret": ["nested": true]])
            #expect(wrong.status == 400 && wrong.text.contains("clientSecret"), "\(wrong.text)")
            var bad = await f.connectorBody()
            bad["clientId"] = .int(5)
            let refused = try await f.send("POST", "/api/v1/connectors", json: bad)
            #expect(refused.status == 400 && refused.text.contains("clientId"), "\(refused.text)")
        }
    }

    @Test("outbound URLs: a port over 65535 (which stopped the process), a user name and password, a query or a fragment in a connector's or a channel's URL is refused naming the field; the server keeps answering")
    func outboundURLs() async throws {
        let tenant = TenantGenerator(users: 8, groups: 1, days: 1, seed: 43).generate()
        try await ServerFixture.with(tenant) { f in
            let m365: JSONValue = ["provider": "m365", "name": "M365", "tenantId": "11111111-2222-4333-8444-555555555555",
                                   "clientId": "66666666-7777-4888-9999-000000000000", "clientSecret": "a~secret~value"]
            let cases: [(String, String, String)] = [
                ("tokenUrl", "http://127.0.0.1:99999/oauth/token", "port 99999"),
                ("apiUrl", "http://user:pass@127.0.0.1:9/v2", "user name or password"),
                ("loginUrl", "http://127.0.0.1:99999", "port 99999"),
                ("graphUrl", "http://probe:secret@127.0.0.1:9", "user name or password"),
                ("loginUrl", "http://127.0.0.1:9?x=1", "must not have a query"),
                ("graphUrl", "http://127.0.0.1:9/#frag", "must not have a fragment"),
                ("tokenUrl", "http://127.0.0.1:99999999999999999999999/oauth/token", "a port is 1 to 65535"),
                ("apiUrl", "http://127.0.0.1:0443/v2", "without leading zeros"),
                ("graphUrl", "https://evil.example%00.graph.microsoft.com/", "name its host plainly"),
            ]
            for (field, url, words) in cases {
                var body = field == "tokenUrl" || field == "apiUrl" ? await f.connectorBody() : m365
                body[field] = .string(url)
                let reply = try await f.send("POST", "/api/v1/connectors", json: body)
                #expect(reply.status == 422 && reply.text.contains(field) && reply.text.contains(words), "\(field) \(url): \(reply.status) \(reply.text)")
                #expect(!reply.text.contains("secret@") && !reply.text.contains("pass@"))
            }
            // An empty or short webhook secret token would let anyone sign Zoom events: refused on
            // create and on reconnect, naming the field.
            var emptyToken = await f.connectorBody()
            emptyToken["webhookSecretToken"] = ""
            let refusedToken = try await f.send("POST", "/api/v1/connectors", json: emptyToken)
            #expect(refusedToken.status == 422 && refusedToken.text.contains("webhookSecretToken must be"), "\(refusedToken.text)")
            let created = try await f.send("POST", "/api/v1/connectors", json: await f.connectorBody())
            let id = try #require(created.json["connector"]?["id"]?.stringValue, "\(created.text)")
            for token in ["", "short", "has spaces in it"] {
                let rotated = try await f.send("POST", "/api/v1/connectors/\(id)/reconnect", json: ["webhookSecretToken": .string(token)])
                #expect(rotated.status == 400 && rotated.text.contains("webhookSecretToken must be"), "\(token): \(rotated.text)")
            }
            #expect(try await f.send("DELETE", "/api/v1/connectors/\(id)").status == 204)
            let channel = try await f.send("POST", "/api/v1/channels", json: ["name": "SIEM", "kind": "webhook", "url": "https://siem.example:99999/hook"])
            #expect(channel.status == 422 && channel.text.contains("port 99999"), "\(channel.text)")
            #expect(try await f.send("GET", "/api/v1/connectors").status == 200, "the server still answers")
            #expect(try await f.send("GET", "/api/v1/connectors").json["items"]?.arrayValue?.isEmpty == true, "nothing was saved")
        }
    }

    @Test("activities written by an older mapping are mapped again from their payload by the server's housekeeping, through the provider")
    func remapsOlderActivities() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 43).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            // A row as an older release left it: its record, but no category, action or target.
            let row: JSONValue = ["time": "2026-11-30T10:00:00Z", "operator": "admin@example.com", "category_type": "User", "action": "Delete",
                                  "operation_detail": "Delete User  gone@example.com"]
            var old = ZoomActivityMapping.operation(row)
            old.connectorID = id
            old.category = nil
            old.action = nil
            old.target = nil
            try await f.deps.activities.insert([old], mappingVersion: 0)
            await Housekeeping(deps: f.deps).remapActivities()
            let stored = try await f.deps.activities.list(connectorID: id, from: nil, to: nil, user: "admin@example.com", limit: 10)
            let mapped = try #require(stored.first { $0.fingerprint == old.fingerprint })
            #expect(mapped.category == "User" && mapped.action == "Delete" && mapped.target == "gone@example.com", "\(mapped)")
            #expect(try await f.deps.activities.unmapped(provider: "zoom", version: ZoomActivityMapping.version, olderVersions: true, limit: 10).isEmpty)
        }
    }

    @Test("a port that is taken: the server says so at once, naming the port and the flag")
    func portInUse() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 214).generate()
        try await ServerFixture.with(tenant) { f in
            var configuration = ServerFixture.configuration(try await Backend.sqlite.freshLocation())
            configuration.port = f.server.port
            let start = ContinuousClock.now
            do {
                let second = try await RunningServer.start(configuration, http: f.http, logger: f.sim.logger)
                await second.stop()
                Issue.record("a second server started on a taken port")
            } catch {
                let text = String(describing: error)
                #expect(text.contains("Port \(f.server.port)") && text.contains("already in use") && text.contains("--port"), "\(text)")
            }
            #expect(ContinuousClock.now - start < .seconds(10))
            // The CLI: `sspm serve` and `sspm demo` exit non-zero with that sentence.
            for arguments in [["serve", "--port", "\(f.server.port)"], ["demo", "--port", "\(f.server.port)", "--zoom-port", "0", "--once"]] {
                let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-port-\(UUID().uuidString)").path
                let (status, output, elapsed) = try await blockingCall { try Self.run(arguments + ["--data-dir", dataDir]) }
                #expect(status != 0, "\(arguments[0]) exited 0: \(output)")
                #expect(output.contains("already in use") && output.contains("--port"), "\(arguments[0]): \(output)")
                #expect(elapsed < .seconds(60), "\(arguments[0]) took \(elapsed)")
            }
        }
    }

    @Test("no database connection free within the wait: the API answers 503 database_busy with Retry-After, a page the same as HTML, never a 500; then all answers again")
    func databaseBusy() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 215).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite), configure: { $0.databaseWait = .milliseconds(300); $0.runScheduler = false }) { f in
            let session = try await Session.login(http: f.http, base: f.base, email: ServerFixture.adminEmail, password: ServerFixture.adminPassword)
            // SQLite has one connection: hold it.
            let (heldStream, held) = AsyncStream<Void>.makeStream()
            let (releaseStream, release) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await f.deps.storage!.withSQL { _ in
                    held.yield()
                    for await _ in releaseStream { break }
                }
            }
            for await _ in heldStream { break }
            let api = try await f.send("GET", "/api/v1/connectors")
            let page = try await session.send("GET", "/connectors")
            release.finish()
            try await holder.value
            #expect(api.status == 503, "\(api.status) \(api.text)")
            #expect(api.errorCode == "database_busy")
            #expect(api.headers.value("retry-after") == "5")
            #expect(api.json["error"]?["fix"]?.stringValue?.contains("Retry") == true)
            #expect(page.status == 503, "\(page.status) \(page.text.prefix(300))")
            #expect(page.headers.value("content-type")?.hasPrefix("text/html") == true)
            #expect(page.text.contains("The database is busy"))
            #expect(page.headers.value("retry-after") == "5")
            #expect(f.sim.logs.all.contains { $0.contains("No database connection came free in time") })
            #expect(try await f.send("GET", "/api/v1/connectors").status == 200)
            #expect(try await session.send("GET", "/connectors").status == 200)
        }
    }

    static func run(_ arguments: [String]) throws -> (Int32, String, Duration) {
        let process = Process()
        process.executableURL = BuiltBinary.sspm
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let start = ContinuousClock.now
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 90, execute: killer)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, output, ContinuousClock.now - start)
    }
}
