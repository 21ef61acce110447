import ArgumentParser
import Foundation
import ZoomProvider
import SSPMCore
import SSPMReports
import ZoomSimulator

struct BenchEvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate the whole catalogue on a large synthetic account and print time and peak memory.")

    @Option(help: "Users.") var users: Int = 100_000
    @Option(help: "Groups.") var groups: Int = 1_000
    @Option(help: "Evaluations to time (the median is reported).") var runs: Int = 5
    @Flag(help: "Pair a Microsoft 365 directory of the same people (with aliases, leavers and missing accounts) so the cross-checks run too.")
    var paired = false

    func run() async throws {
        let buildStart = ContinuousClock.now
        var snapshot = SyntheticAccount.snapshot(users: users, groups: groups)
        if paired { snapshot.directory = SyntheticAccount.directory(for: snapshot) }
        let build = ContinuousClock.now - buildStart
        var times: [Double] = []
        var result: ScanResult?
        for _ in 0..<max(1, runs) {
            let start = ContinuousClock.now
            result = ZoomCatalogue.scan(snapshot)
            times.append((ContinuousClock.now - start).secondsDouble)
        }
        times.sort()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024  // Linux reports KiB
        say("sspm bench evaluate: \(users) users, \(groups) groups, \(ZoomCatalogue.all.count) controls" + (paired ? ", a paired Microsoft 365 directory of \(snapshot.directory?.users?.count ?? 0) users" : ""))
        say("")
        say("| users | groups | controls | snapshot build (s) | evaluate median (s) | evaluate max (s) | peak memory (MB) | score |")
        say("|---:|---:|---:|---:|---:|---:|---:|---:|")
        say("| \(users) | \(groups) | \(ZoomCatalogue.all.count) | \(String(format: "%.2f", build.secondsDouble)) | \(String(format: "%.3f", times[times.count / 2])) | \(String(format: "%.3f", times.last!)) | \(String(format: "%.0f", peakMB)) | \(String(format: "%.1f", result!.score.percent))% |")
    }
}

/// A large account built directly as a posture snapshot (the generator's JSON route is far slower at 100k users).
enum SyntheticAccount {
    static func snapshot(users count: Int, groups groupCount: Int) -> PostureSnapshot {
        var rng = SeededGenerator(seed: 7)
        let now = Date()
        let small = TenantGenerator(users: 20, groups: max(1, min(groupCount, 15)), days: 1, seed: 7).generate()
        let settings = small.settings!
        let groupTemplates = small.groups.compactMap { $0["settings"] }
        var users: [PostureSnapshot.User] = []
        users.reserveCapacity(count)
        var members = Array(repeating: [String](), count: groupCount)
        for n in 0..<count {
            let id = "u\(n)"
            let group = groupCount > 0 ? Int.random(in: 0..<groupCount, using: &rng) : -1
            if group >= 0 { members[group].append(id) }
            let roll = Double.random(in: 0..<1, using: &rng)
            users.append(PostureSnapshot.User(
                id: id, email: "user\(n)@example.com", type: roll < 0.7 ? 2 : 1, status: roll < 0.9 ? "active" : "inactive",
                roleID: n == 0 ? "0" : n < 20 ? "1" : "2", groupIDs: group >= 0 ? ["g\(group)"] : [], loginTypes: [roll < 0.8 ? 101 : 100],
                lastLoginTime: now.addingTimeInterval(-Double.random(in: 0...(200 * 86_400), using: &rng)), createdAt: now.addingTimeInterval(-500 * 86_400)))
        }
        let groups = (0..<groupCount).map { g in
            PostureSnapshot.Group(id: "g\(g)", name: "Group \(g)", memberIDs: members[g],
                                  settings: groupTemplates[g % groupTemplates.count], lockSettings: nil)
        }
        return PostureSnapshot(
            accountID: "bench", accountName: "Bench", capturedAt: now, accountSettings: settings, lockSettings: small.lockSettings,
            users: users, groups: groups, roles: [], managedDomains: [("example.com", "verified")], trustedDomains: [],
            channels: [], operationLogRows: 10, signInRows: 10)
    }

    /// The Microsoft 365 side of the same people: 6 % sign in with another name (their Zoom address
    /// an alias), 3 % have no account, 3 % are disabled; Zoom's app holds Mail.Read.
    static func directory(for snapshot: PostureSnapshot) -> DirectorySnapshot {
        var rng = SeededGenerator(seed: 11)
        var users: [DirectorySnapshot.User] = []
        for user in snapshot.users ?? [] {
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 3 { continue }
            let upn = roll < 9 ? "m365." + user.email : user.email
            users.append(.init(id: "e-" + (user.id ?? user.email), principalName: upn, mail: upn, aliases: [upn, user.email], enabled: !(9..<12).contains(roll), type: "Member"))
        }
        return DirectorySnapshot(directoryID: "bench-tenant", readAt: snapshot.capturedAt,
                                 domains: [.init(name: "example.com", verified: true, initial: false, services: ["Email"])], users: users,
                                 applications: [.init(appID: "f56e91e5-5a82-452f-b435-d4d78aeaf064", objectID: "sp", name: "Zoom Rooms", enabled: true,
                                                      applicationPermissions: ["Calendars.ReadWrite", "Mail.Read"], delegatedGrants: [])])
    }
}
