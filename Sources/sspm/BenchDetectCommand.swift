import ArgumentParser
import Foundation
import Logging
import SSPMCore
import ZoomProvider

/// `sspm bench detect`: events a second through the detection engine.
struct BenchDetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Feed a generated activity stream through the detection engine with N enabled policies and print events/s."
    )

    @Option(help: "Events in the stream (80 % sign-ins, 20 % admin operations).") var events: Int = 1_000_000
    @Option(help: "Enabled policies: Zoom's templates, repeated with other thresholds and scopes up to this many.") var policies: Int = 50
    @Option(help: "Users in the generated account.") var users: Int = 5_000
    @Option(help: "Runs (the table shows each and the median).") var runs: Int = 3
    @Option(help: "Webhooks sent one after another for the webhook → notification latency (0 skips it).") var latency: Int = 200

    func validate() throws {
        guard events > 0, events <= 20_000_000 else { throw ValidationError("--events must be between 1 and 20000000.") }
        guard policies > 0, policies <= 1000 else { throw ValidationError("--policies must be between 1 and 1000.") }
        guard users > 0, runs > 0, runs <= 20 else { throw ValidationError("--users must be positive and --runs between 1 and 20.") }
        guard latency >= 0, latency <= 10_000 else { throw ValidationError("--latency must be between 0 and 10000.") }
    }

    /// The templates, then variants of them (other thresholds, windows and scopes) up to `count`.
    static func policies(_ count: Int) -> [DetectionPolicy] {
        var result: [DetectionPolicy] = []
        var round = 0
        while result.count < count {
            // The Geo-IP templates need a database the bench does not have.
            for var policy in ZoomDetections.templates where result.count < count && !policy.kind.needsGeoIP {
                if round > 0 {
                    policy.id += "-v\(round)"
                    switch policy.kind {
                    case .count(let threshold, let window, let per): policy.kind = .count(threshold: threshold + round, window: window, per: per)
                    case .distinct(let field, let threshold, let window, let per): policy.kind = .distinct(field: field, threshold: threshold + round, window: window, per: per)
                    case .firstSeen(let field, let learning, _): policy.kind = .firstSeen(field: field, learning: learning, per: round % 2 == 0 ? .actor : .account)
                    case .returnAfter(let gap, let learning, let per): policy.kind = .returnAfter(gap: gap * Double(round + 1), learning: learning, per: per)
                    case .single: policy.groupWindow = Double(600 * round)
                    case .outdatedClient(let behind, let learning, let per): policy.kind = .outdatedClient(minorsBehind: behind + round, learning: learning, per: per)
                    case .impossibleTravel: break
                    }
                }
                result.append(policy)
            }
            round += 1
        }
        return result
    }

    /// 30 days of a `users`-user account, in time order: sign-ins over 1,750 addresses (each person
    /// mostly from their own two, with their own two clients) and admin operations in Zoom's
    /// wording (some of them the weakening kind the templates look for).
    static func stream(_ count: Int, users: Int) -> [ActivityEvent] {
        var rng = SystemRandomNumberGenerator()
        let start = Date().addingTimeInterval(-30 * 86_400)
        let step = 30 * 86_400 / Double(count)
        let clients = ["Browser", "Mac", "Windows", "Android", "iOS"]
        let details = ["Update User - u1@acme.example: User Type from Basic to Licensed", "Meeting  - Waiting Room: from On to Off",
                       "Security  - Sign in with Two-Factor Authentication: from On to Off", "Recording  - Cloud recording: from Off to On",
                       "Change Role  - u2@acme.example: from Member to Admin"]
        return (0..<count).map { index in
            let time = start.addingTimeInterval(Double(index) * step)
            let person = Int.random(in: 0..<users, using: &rng)
            let user = "u\(person)@acme.example"
            let stamp = FastFormats.utcTimestamp(time)
            if index % 5 == 4 {
                let detail = details[Int.random(in: 0..<details.count, using: &rng)]
                return ZoomActivityMapping.operation(["time": .string(stamp), "operator": .string("admin\(index % 7)@acme.example"),
                                                      "category_type": .string(detail.hasPrefix("Update User") || detail.hasPrefix("Change Role") ? "User" : "Account"),
                                                      "action": "Update", "operation_detail": .string(detail)])
            }
            // As people sign in: mostly from one of their two usual networks with one of their two
            // usual clients, one time in a hundred from anywhere among the 1,750 addresses.
            let usual = Int.random(in: 0..<100, using: &rng) > 0
            let address = usual ? (person * 2 + Int.random(in: 0..<2, using: &rng)) % 1750 : Int.random(in: 0..<1750, using: &rng)
            let client = usual ? clients[(person + Int.random(in: 0..<2, using: &rng)) % clients.count] : clients[Int.random(in: 0..<clients.count, using: &rng)]
            return ZoomActivityMapping.signIn(["email": .string(user), "time": .string(stamp), "type": "Sign in",
                                               "ip_address": .string("198.51.\(address / 250).\(address % 250)"),
                                               "client_type": .string(client), "version": "6.2.0"])
        }
    }

    func run() async throws {
        let chosen = Self.policies(policies)
        let generated = ContinuousClock.now
        let stream = Self.stream(events, users: users)
        say("sspm bench detect: \(events) events (80 % sign-ins of \(users) users over 1,750 addresses, each mostly from their usual two; 20 % admin operations), \(chosen.count) enabled policies")
        say("stream generated in \(String(format: "%.1f", (ContinuousClock.now - generated).secondsDouble)) s")
        say("")
        say("| run | seconds | events/s | alerts | suppressed |")
        say("|---:|---:|---:|---:|---:|")
        // Group membership as a sync's inventory gives it: one in fifty is an Admin, everyone is in one of twenty groups.
        let groups = Dictionary(uniqueKeysWithValues: (0..<users).map { person in
            ("u\(person)@acme.example", ["g\(person % 20)", "Group \(person % 20)", person % 50 == 0 ? "role:Admin" : "role:Member"])
        })
        var rates: [Double] = []
        for run in 1...runs {
            var engine = try DetectionEngine(policies: chosen, groups: groups)
            let start = ContinuousClock.now
            for event in stream { engine.process(event) }
            let seconds = (ContinuousClock.now - start).secondsDouble
            rates.append(Double(events) / seconds)
            say("| \(run) | \(String(format: "%.2f", seconds)) | \(Int(rates.last!)) | \(engine.alerts.count) | \(engine.suppressed.values.reduce(0, +)) |")
        }
        say("")
        say("median: \(Int(rates.sorted()[rates.count / 2])) events/s (target: at least 200,000 on 2 cores, release build)")
        guard latency > 0 else { return }
        var logger = Logger(label: "sspm.bench")
        logger.logLevel = .error
        let latencies = try await BenchNotifyLatency.run(count: latency, logger: logger)
        say("")
        say("webhook → notification: \(latency) signed sign-in webhooks, one at a time, to a server on SQLite; each raises an alert whose signed message goes to a loopback receiver")
        say("")
        say("| notifications | p50 (ms) | p95 (ms) | max (ms) |")
        say("|---:|---:|---:|---:|")
        say("| \(latencies.count) | \(ms(percentile(latencies, 0.5))) | \(ms(percentile(latencies, 0.95))) | \(ms(latencies.last ?? 0)) |")
        say("")
        say("target: p95 below 1,000 ms")
    }
}
