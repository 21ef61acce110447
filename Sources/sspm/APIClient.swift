import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import SSPMCore

/// A small client of the server's own REST API (the demo and `sspm progress` use it).
struct DemoAPI: Sendable {
    struct Reply: Sendable {
        var status: Int
        var body: Data
        var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
        var errorMessage: String {
            let error = json["error"]
            return "\(status) " + ([error?["message"]?.stringValue, error?["fix"]?.stringValue].compactMap { $0 }.joined(separator: " ")
                .nonEmpty ?? String(decoding: body.prefix(300), as: UTF8.self))
        }
    }

    let http: HTTPClient
    let base: String
    /// Cookie + CSRF token (a session), or a bearer token.
    let headers: [(String, String)]

    static func login(http: HTTPClient, base: String, email: String, password: String) async throws -> DemoAPI {
        let anonymous = DemoAPI(http: http, base: base, headers: [])
        let (reply, setCookie) = try await anonymous.sendReturningCookie("POST", "/api/v1/auth/login", json: ["email": .string(email), "password": .string(password)])
        guard reply.status == 200, let cookie = setCookie?.split(separator: ";").first, let csrf = reply.json["csrfToken"]?.stringValue else {
            throw CommandError("Signing in to \(base) failed: \(reply.errorMessage)")
        }
        return DemoAPI(http: http, base: base, headers: [("Cookie", String(cookie)), ("X-CSRF-Token", csrf)])
    }

    static func token(http: HTTPClient, base: String, token: String) -> DemoAPI {
        DemoAPI(http: http, base: base, headers: [("Authorization", "Bearer \(token)")])
    }

    func send(_ method: String, _ path: String, json: JSONValue? = nil) async throws -> Reply {
        try await sendReturningCookie(method, path, json: json).0
    }

    func sendReturningCookie(_ method: String, _ path: String, json: JSONValue? = nil) async throws -> (Reply, String?) {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
        }
        let response: HTTPClientResponse
        do { response = try await http.execute(request, timeout: .seconds(60)) } catch {
            throw CommandError("Cannot reach the OpenSSPM server at \(base): \(error). Is `sspm serve` running there?")
        }
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return (Reply(status: Int(response.status.code), body: Data(buffer: buffer)), response.headers.first(name: "set-cookie"))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// The sync progress bar: phase, items, requests, rate-limit waits and ETA, redrawn in place on a
/// terminal and one line per phase otherwise.
enum ProgressBar {
    static func line(_ p: JSONValue, width: Int = 24) -> String {
        let phases = ["validating", "reading", "scoring", "done"]
        let phase = p["phase"]?.stringValue ?? "queued"
        let index = phases.firstIndex(of: phase).map { $0 + 1 } ?? (phase == "failed" ? phases.count : 0)
        let filled = min(width, width * index / phases.count)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var parts = ["\(phase)", "\(p["items"]?.intValue ?? 0) items", "\(p["requests"]?.intValue ?? 0) requests",
                     "\(p["rateLimitWaits"]?.intValue ?? 0) rate-limit waits"]
        if let limited = p["rateLimited"]?.intValue, limited > 0 { parts.append("\(limited)×429") }
        if let eta = p["etaSeconds"]?.doubleValue, phase != "done" { parts.append("ETA \(Int(eta)) s") }
        return "[\(bar)] " + parts.joined(separator: " · ")
    }

    /// Polls …/progress until a run that started at or after `startedAfter` (whole seconds, as the
    /// API gives them) finished; fails with the run's error.
    static func follow(api: DemoAPI, connectorID: String, startedAfter: Date, timeout: Duration = .seconds(3600)) async throws {
        let threshold = startedAfter.timeIntervalSince1970.rounded(.down)
        let tty = isatty(1) == 1
        let deadline = ContinuousClock.now + timeout
        var lastPhase = ""
        while ContinuousClock.now < deadline {
            let reply = try await api.send("GET", "/api/v1/connectors/\(connectorID)/progress?runs=5")
            guard reply.status == 200 else { throw CommandError("Progress of \(connectorID): \(reply.errorMessage)") }
            let json = reply.json
            let runs = json["recentRuns"]?.arrayValue ?? []
            let progress = json["progress"] ?? .object([:])
            let current = runs.first.flatMap { $0["startedAt"]?.stringValue }.flatMap { FastFormats.parseTime($0) }
                .map { $0.timeIntervalSince1970 >= threshold } ?? false
            if current {
                let text = line(progress)
                let phase = progress["phase"]?.stringValue ?? ""
                if tty { FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + text).utf8)) } else if phase != lastPhase { say(text) }
                lastPhase = phase
            }
            if current, let latest = runs.first, latest["finishedAt"] != nil, json["leasedBy"] == nil {
                if tty { say("") }
                if latest["outcome"]?.stringValue != "ok" {
                    throw CommandError("The sync failed: \(latest["detail"]?.stringValue ?? "no detail")")
                }
                return
            }
            try await Task.sleep(for: .milliseconds(tty ? 200 : 500))
        }
        throw CommandError("The sync of \(connectorID) did not finish within \(timeout).")
    }
}

/// `sspm progress`: follow a connector's sync on a running server.
struct ProgressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Show a connector's sync progress on a running server (a progress bar); --sync starts one first.")

    @Option(help: "The server's base URL.") var url: String = "http://127.0.0.1:8080"
    @Option(help: "Connector id (GET /api/v1/connectors lists them).") var connector: String
    @Flag(help: "Ask for a sync now (posture and activities) and follow it.") var sync = false
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        guard let token = ProcessInfo.processInfo.environment["SSPM_API_TOKEN"], !token.isEmpty else {
            throw CommandError("Set SSPM_API_TOKEN to an API token (an admin creates one with POST /api/v1/tokens).")
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let api = DemoAPI.token(http: http, base: url, token: token)
            let before = try await api.send("GET", "/api/v1/connectors/\(connector)/progress?runs=5")
            guard before.status == 200 else { throw CommandError(before.errorMessage) }
            let requested = Date()
            if sync {
                let started = try await api.send("POST", "/api/v1/connectors/\(connector)/sync")
                guard started.status == 202 else { throw CommandError("Starting the sync failed: \(started.errorMessage)") }
            } else if before.json["leasedBy"] == nil {
                say(ProgressBar.line(before.json["progress"] ?? .object([:])) + "  (no sync running; --sync starts one)")
                try await http.shutdown()
                return
            }
            let since = sync ? requested : (before.json["recentRuns"]?.arrayValue?.first?["startedAt"]?.stringValue.flatMap { FastFormats.parseTime($0) } ?? Date())
            try await ProgressBar.follow(api: api, connectorID: connector, startedAfter: since)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
    }
}
