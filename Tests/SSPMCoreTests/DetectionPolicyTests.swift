import Foundation
import SSPMCore
import Testing
import ZoomProvider

/// What a stored policy must be: its checks (bounds, networks, safe patterns), its JSON form, and
/// the engine details the service relies on (a learning start, late events).
@Suite struct DetectionPolicyTests {
    static func policy(_ match: EventMatch = EventMatch(), kind: DetectionKind = .single) -> DetectionPolicy {
        DetectionPolicy(id: "P-1", title: "t", severity: .low, match: match, kind: kind, catches: "", falsePositives: "", tuning: "")
    }

    @Test("every shipped template passes the checks a stored policy must pass")
    func templatesValid() {
        for template in ZoomDetections.templates { #expect(template.problems().isEmpty, "\(template.id): \(template.problems())") }
    }

    @Test("patterns that can backtrack without end are refused; ordinary ones (lookahead, classes, optional groups) are not")
    func patternSafety() {
        for bad in ["(a+)+$", "(a*)*", "(a|aa)+", "((ab)*c)+", "(x+x+)+y", "(a|b)*c", "(\\w+\\s?)+$", "(.*a){20}", "(a)\\1", "(?<n>a)\\k<n>",
                    ".*.*.*.*.*.*.*.*.*.*.*.*!", "a+b+c+d", "(?x)(a|aa) *$", "(?x)(a+) +$", "(?i)abc", "\\Q(a+)+\\E", "a{2,}b{3,}c{1,}",
                    ".{0,4000}.{0,4000}.{0,4000}X", "a{0,101}b{0,200}c*", "a{1,99999999999999999999}b+c+"] {
            #expect(PatternSafety.problem(bad) != nil, "\(bad) should be refused")
        }
        for good in [#"from (?!Owner|Admin)[-\w ]+ to (Owner|Admin)\b"#, "^Sign-in Methods", "(Owner|Admin)?", "a+b*c?", "[()+*]+", "(abc)+", "\\(a+\\)+",
                     "(?:ab)+c", "(?<=x)y", "a{2,5}b{3}c+", "a{0,100}b*c*"] {
            #expect(PatternSafety.problem(good) == nil, "\(good) should be accepted: \(PatternSafety.problem(good) ?? "")")
        }
        #expect(PatternSafety.problem("a)") != nil)
    }

    @Test("a pattern's match runs within a step budget: a long detail cannot stall detection")
    func boundedPattern() throws {
        // Two unbounded repetitions pass PatternSafety, and backtrack as the cube of the length.
        let costly = try BoundedPattern(".*.*X")
        #expect(PatternSafety.problem(".*.*X") == nil)
        #expect(costly.outcome(in: String(repeating: "a", count: 4000)) == .gaveUp)
        #expect(costly.outcome(in: "aaaX") == .match)
        #expect(costly.outcome(in: "aaa") == .noMatch)
        // One letter with 200,000 combining marks is one Character: the window counts UTF-16 units.
        #expect(costly.outcome(in: "a" + String(repeating: "\u{301}", count: 200_000)) == .gaveUp)
        // A combining mark after a quantifier does not hide it from the check.
        #expect(PatternSafety.problem(".*\u{301}?.*\u{301}?.*\u{301}?.*\u{301}?X") != nil)
        #expect(PatternSafety.problem("(?:a+)+\u{301}X") != nil)
        // Braces that name a class or a character are not a repetition.
        #expect(PatternSafety.problem(#"\p{L}+ \p{L}+ \p{Lu}\x{41}\N{LATIN SMALL LETTER A}"#) == nil)
        // An ordinary pattern over a full-length detail is well within the budget.
        let plain = try BoundedPattern(#"[Ee]nd-to-[Ee]nd [Ee]ncryption[^:]*: from On to Off"#)
        let filler = String(repeating: "Meeting settings changed; ", count: 160)  // 4,160 characters
        #expect(plain.outcome(in: filler + "End-to-end encryption: from On to Off") == .noMatch, "past the 4,000-character window")
        #expect(plain.outcome(in: String(filler.prefix(3000)) + "End-to-end encryption: from On to Off") == .match)
        #expect(plain.outcome(in: filler) == .noMatch)
    }

    @Test("a policy's problems name each field that is wrong, and what is allowed")
    func problems() {
        var p = Self.policy(EventMatch(ipNetworks: ["10.0.0.0/33", "not-an-ip"], detailPattern: "(a+)+"), kind: .count(threshold: 0, window: 0, per: .actor))
        p.id = "has space"
        p.title = ""
        p.dailyCap = 0
        p.groupWindow = -1
        let problems = p.problems().joined(separator: " | ")
        for fragment in ["id must be", "title must be", "'10.0.0.0/33' is not an IP address", "'not-an-ip'", "detailPattern may not repeat",
                         "kind.threshold", "kind.window", "groupWindow", "dailyCap"] {
            #expect(problems.contains(fragment), "missing \(fragment) in \(problems)")
        }
        #expect(Self.policy(EventMatch(actors: Array(repeating: "a@b.c", count: 501))).problems().contains { $0.contains("at most 500") })
        for dots in [".", "..", "..."] {
            var q = Self.policy(EventMatch())
            q.id = dots
            #expect(q.problems().contains { $0.contains("not only dots") }, "\(dots) is a dot segment in /policies/{id}")
        }
        var dotted = Self.policy(EventMatch())
        dotted.id = "zoom.role-change"
        #expect(dotted.problems().isEmpty)
        #expect(Self.policy(EventMatch(detailPattern: "[")).problems().contains { $0.contains("not a regular expression") })
        #expect(Self.policy(kind: .firstSeen(field: .ipAddress, learning: 91 * 86_400, per: .actor)).problems().contains { $0.contains("kind.learning") })
    }

    @Test("kinds are stored flat: {\"type\":\"count\",\"threshold\":…}; unknown types are refused with the list of kinds")
    func kindCoding() throws {
        let kinds: [DetectionKind] = [.single, .count(threshold: 5, window: 600, per: .account), .distinct(field: .ipAddress, threshold: 4, window: 3600, per: .actor),
                                      .firstSeen(field: .clientType, learning: 86_400, per: .actor), .returnAfter(gap: 30 * 86_400, learning: 7 * 86_400, per: .target)]
        for kind in kinds {
            let data = try JSONEncoder().encode(kind)
            #expect(try JSONDecoder().decode(DetectionKind.self, from: data) == kind)
        }
        let text = String(decoding: try JSONEncoder().encode(DetectionKind.distinct(field: .ipAddress, threshold: 4, window: 3600, per: .actor)), as: UTF8.self)
        #expect(text.contains(#""type":"distinct""#) && text.contains(#""field":"ip_address""#))
        // Defaults for what a person leaves out.
        #expect(try JSONDecoder().decode(DetectionKind.self, from: Data(#"{"type":"first_seen","field":"ip_address"}"#.utf8))
            == .firstSeen(field: .ipAddress, learning: 7 * 86_400, per: .actor))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DetectionKind.self, from: Data(#"{"type":"sometimes"}"#.utf8)) }
    }

    @Test("the learning period counts from the given start (a replay of fewer days is not a new start); a late event does not move a return-after clock back")
    func learningAndLateEvents() throws {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        func signIn(_ ip: String, _ hours: Double) -> ActivityEvent {
            ZoomActivityMapping.signIn(["email": "a@x.example", "time": .string(FastFormats.utcTimestamp(t0.addingTimeInterval(hours * 3600))), "type": "Sign in",
                                        "ip_address": .string(ip), "client_type": "Mac", "version": "6.2.0"])
        }
        let newIP = ZoomDetections.templates.first { $0.id == "ZDT-20" }!
        // Learning since 8 days before the first event replayed: over, so the second address alerts.
        var engine = try DetectionEngine(policies: [newIP], learningSince: t0.addingTimeInterval(-8 * 86_400))
        engine.process(signIn("192.0.2.1", 0))
        engine.process(signIn("192.0.2.2", 1))
        #expect(engine.alerts.map(\.value) == ["192.0.2.2"])
        // Without a start, the first event starts learning: nothing alerts within the week.
        var fresh = try DetectionEngine(policies: [newIP])
        fresh.process(signIn("192.0.2.1", 0))
        fresh.process(signIn("192.0.2.2", 1))
        #expect(fresh.alerts.isEmpty)
        #expect(fresh.watermark == t0.addingTimeInterval(3600))

        let back = ZoomDetections.templates.first { $0.id == "ZDT-23" }!
        var returns = try DetectionEngine(policies: [back], learningSince: t0.addingTimeInterval(-60 * 86_400))
        returns.process(signIn("192.0.2.1", 0))
        returns.process(signIn("192.0.2.1", -24 * 40))  // a late row from 40 days before
        returns.process(signIn("192.0.2.1", 24 * 10))   // ten days after the newest: no return after 30 days
        #expect(returns.alerts.isEmpty)
    }

    @Test("evidence names events by their correlation key when they have one (a webhook copy and its report row are one event)")
    func evidenceKeys() throws {
        let row = ZoomActivityMapping.signIn(["email": "a@x.example", "time": "2026-12-01T10:00:00Z", "type": "Sign in", "ip_address": "192.0.2.9",
                                              "client_type": "Mac", "version": "6.2.0"])
        #expect(row.evidenceKey == row.correlation && row.correlation != nil)
        let op = ZoomActivityMapping.operation(["time": "2026-12-01T10:00:00Z", "operator": "a@x.example", "category_type": "Account", "action": "Update",
                                                "operation_detail": "x"])
        #expect(op.evidenceKey == op.fingerprint)
    }

    @Test("the templates added with the service: a group's passcode turned off (Panther's wording), role changes, sign-ins at unusual hours and from a new network")
    func moreTemplates() throws {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21 14:13:20 UTC
        func template(_ id: String) -> DetectionPolicy { ZoomDetections.templates.first { $0.id == id }! }
        func operation(_ category: String, _ action: String, _ detail: String) -> ActivityEvent {
            ZoomActivityMapping.operation(["time": .string(FastFormats.utcTimestamp(t0)), "operator": "admin@x.example", "category_type": .string(category),
                                           "action": .string(action), "operation_detail": .string(detail)])
        }
        let group = try DetectionEngine.run([template("ZDT-09")], over: [
            operation("User Group", "Update", "Edit Group Springfield  - Personal Meeting ID (PMI) Passcode: from On to Off"),
            operation("User Group", "Update", "Edit Group Springfield  - Personal Meeting ID (PMI) Passcode: from Off to On"),
        ])
        #expect(group.alerts.count == 1)
        let roles = try DetectionEngine.run([template("ZDT-10")], over: [operation("Role", "Update", "Edit Role  Auditors - Users: from View to Edit"),
                                                                         operation("User", "Update", "Edit User x@x.example")])
        #expect(roles.alerts.map(\.title) == ["Admin role changed by admin@x.example: Edit Role  Auditors - Users: from View to Edit"])

        func signIn(_ ip: String, hours: Double) -> ActivityEvent {
            ZoomActivityMapping.signIn(["email": "a@x.example", "time": .string(FastFormats.utcTimestamp(t0.addingTimeInterval(hours * 3600))), "type": "Sign in",
                                        "ip_address": .string(ip), "client_type": "Mac", "version": "6.2.0"])
        }
        #expect(EventField.hourBlock.value(of: signIn("192.0.2.1", hours: 0)) == "12-15")  // 14:13 UTC
        #expect(EventField.network.value(of: signIn("192.0.2.77", hours: 0)) == "192.0.2.0/24")
        #expect(EventField.network.value(of: signIn("2001:db8:1:2::5", hours: 0)) == "2001:db8:1::/48")
        // Learning over before the first event: every day at 12:43 for a week, then once at 23:43.
        var hours = try DetectionEngine(policies: [template("ZDT-24"), template("ZDT-25")], learningSince: t0.addingTimeInterval(-8 * 86_400))
        for day in 0..<7 { hours.process(signIn("192.0.2.\(day + 1)", hours: Double(day) * 24 - 1.5)) }
        #expect(hours.alerts.isEmpty)  // new addresses in a known /24 at a known hour: nothing
        hours.process(signIn("192.0.2.9", hours: 7 * 24 + 9.5))
        hours.process(signIn("198.51.100.4", hours: 8 * 24 - 1.5))
        #expect(hours.alerts.map(\.policyID) == ["ZDT-24", "ZDT-25"])
        #expect(hours.alerts.map(\.value) == ["21-24", "198.51.100.0/24"])
    }
}
