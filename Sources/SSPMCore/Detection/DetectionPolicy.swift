import Foundation

/// Which normalised events a policy looks at. Every member that is set must match; a list matches
/// when any of its values does. Texts compare case-insensitively, except the detail, which is
/// matched verbatim (providers write it irregularly, e.g. two spaces before a dash, and a rule
/// must match what they really write).
public struct EventMatch: Codable, Sendable, Hashable {
    public var providers: [String]?
    public var streams: [String]?
    public var categories: [String]?
    public var actions: [String]?
    /// Only these actors (e-mail addresses), and never these.
    public var actors: [String]?
    public var excludeActors: [String]?
    public var targets: [String]?
    /// Only actors in one of these groups, and never actors in these (group ids or names, as the
    /// provider's inventory lists them).
    public var groups: [String]?
    public var excludeGroups: [String]?
    /// Addresses or CIDR blocks (`192.0.2.0/24`, `2001:db8::/32`); an event without an address
    /// does not match an include list.
    public var ipNetworks: [String]?
    public var excludeIPNetworks: [String]?
    /// Prefixes of the client (`Browser`, `Mac 5.`).
    public var clients: [String]?
    public var outcome: ActivityEvent.Outcome?
    /// Every one of these appears in the detail, verbatim.
    public var detailContains: [String]?
    public var detailPrefix: String?
    public var detailSuffix: String?
    /// A regular expression the detail must match somewhere.
    public var detailPattern: String?

    public init(providers: [String]? = nil, streams: [String]? = nil, categories: [String]? = nil, actions: [String]? = nil,
                actors: [String]? = nil, excludeActors: [String]? = nil, targets: [String]? = nil,
                groups: [String]? = nil, excludeGroups: [String]? = nil, ipNetworks: [String]? = nil, excludeIPNetworks: [String]? = nil, clients: [String]? = nil,
                outcome: ActivityEvent.Outcome? = nil, detailContains: [String]? = nil, detailPrefix: String? = nil,
                detailSuffix: String? = nil, detailPattern: String? = nil) {
        self.providers = providers
        self.streams = streams
        self.categories = categories
        self.actions = actions
        self.actors = actors
        self.excludeActors = excludeActors
        self.targets = targets
        self.groups = groups
        self.excludeGroups = excludeGroups
        self.ipNetworks = ipNetworks
        self.excludeIPNetworks = excludeIPNetworks
        self.clients = clients
        self.outcome = outcome
        self.detailContains = detailContains
        self.detailPrefix = detailPrefix
        self.detailSuffix = detailSuffix
        self.detailPattern = detailPattern
    }
}

/// A value of an event that a policy counts, learns or groups by.
public enum EventField: String, Codable, Sendable, Hashable, CaseIterable {
    case actor, target, ipAddress = "ip_address", client, category, action
    /// The client's first word (`Browser`, `Mac`, `Android`): a new kind of client, not a new version.
    case clientType = "client_type"
    /// The address's network: an IPv4 /24 or an IPv6 /48 (a new network, not a new address in a known one).
    case network
    /// The time of day in three-hour blocks, UTC (`00-03` … `21-24`): sign-ins at hours unusual for the user.
    case hourBlock = "hour_block"
    /// The address's country (ISO code, lower case), from the Geo-IP database; policies that read
    /// it are inactive without one.
    case country

    /// A small index for per-event caches.
    var slot: Int {
        switch self {
        case .actor: return 0
        case .target: return 1
        case .ipAddress: return 2
        case .client: return 3
        case .category: return 4
        case .action: return 5
        case .clientType: return 6
        case .network: return 7
        case .hourBlock: return 8
        case .country: return 9
        }
    }

    public func value(of event: ActivityEvent) -> String? {
        let text: String?
        switch self {
        case .actor: text = event.actor
        case .target: text = event.target
        case .ipAddress: text = event.ipAddress
        case .client: text = event.client
        case .clientType: text = event.client.map { client in client.firstIndex(of: " ").map { String(client[..<$0]) } ?? client }
        case .category: text = event.category
        case .action: text = event.action
        case .network: text = event.ipAddress.flatMap(IPNetwork.networkLabel)
        case .country: text = nil  // the engine asks its Geo-IP locator (`DetectionEngine.value`)
        case .hourBlock:
            let hour = Int((event.occurredAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) + 86_400).truncatingRemainder(dividingBy: 86_400) / 3600)
            let start = hour / 3 * 3
            text = "\(start < 10 ? "0" : "")\(start)-\(start + 3 < 10 ? "0" : "")\(start + 3)"
        }
        guard let text, !text.isEmpty else { return nil }
        return text.lowercased()
    }
}

/// What a policy's alerts are grouped by: each actor, each target, or the whole account.
public enum DetectionScope: String, Codable, Sendable, Hashable {
    case actor, target, account
}

/// How matching events become an alert.
public enum DetectionKind: Sendable, Hashable {
    /// Every matching event.
    case single
    /// At least `threshold` matching events within `window` seconds, per scope.
    case count(threshold: Int, window: TimeInterval, per: DetectionScope)
    /// At least `threshold` different values of `field` within `window` seconds, per scope (e.g.
    /// IP addresses per user).
    case distinct(field: EventField, threshold: Int, window: TimeInterval, per: DetectionScope)
    /// A value of `field` never seen for this scope before, in a scope seen before (a user's first
    /// sign-in ever teaches, it does not alert). The first `learning` seconds of events the engine
    /// sees only teach it what is usual (the 7-day backfill, by default).
    case firstSeen(field: EventField, learning: TimeInterval, per: DetectionScope)
    /// A scope that shows up again after at least `gap` seconds without any matching event
    /// (an inactive account that signs in again); learns like `firstSeen`.
    case returnAfter(gap: TimeInterval, learning: TimeInterval, per: DetectionScope)
    /// Two consecutive events of a scope (sign-ins of a user) from different countries, further
    /// apart than `speedKmh` allows in the time between them (needs a Geo-IP database; events from
    /// `excludeIPNetworks`, such as VPNs, neither alert nor move the last place).
    case impossibleTravel(speedKmh: Double, per: DetectionScope)
    /// A sign-in whose client version (`Mac 5.16.2` → 5.16) is at least `minorsBehind` minor
    /// releases older than the newest of that client type seen in the account, or of an older
    /// major release; after `learning` (the account's newest is not known before).
    case outdatedClient(minorsBehind: Int, learning: TimeInterval, per: DetectionScope)

    /// Whether the policy needs a Geo-IP database (see `DetectionPolicy.inactiveReason`).
    public var needsGeoIP: Bool {
        switch self {
        case .impossibleTravel: return true
        case .distinct(let field, _, _, _), .firstSeen(let field, _, _): return field == .country
        default: return false
        }
    }
}

/// A stored, versioned rule over normalised activity events.
public struct DetectionPolicy: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var version: Int
    /// `{actor}`, `{target}`, `{value}`, `{count}` and `{detail}` are filled in from the alert.
    public var title: String
    public var severity: Severity
    public var enabled: Bool
    public var match: EventMatch
    public var kind: DetectionKind
    /// Matches of one scope within this many seconds of the alert's first make one alert, not many.
    public var groupWindow: TimeInterval
    /// At most this many new alerts a day (UTC); later ones are counted as suppressed.
    public var dailyCap: Int
    /// For the gallery: what it catches, when it is wrong, how to tune it.
    public var catches: String
    public var falsePositives: String
    public var tuning: String

    public init(id: String, version: Int = 1, title: String, severity: Severity, enabled: Bool = true, match: EventMatch, kind: DetectionKind = .single,
                groupWindow: TimeInterval = 3600, dailyCap: Int = 100, catches: String, falsePositives: String, tuning: String) {
        self.id = id
        self.version = version
        self.title = title
        self.severity = severity
        self.enabled = enabled
        self.match = match
        self.kind = kind
        self.groupWindow = groupWindow
        self.dailyCap = dailyCap
        self.catches = catches
        self.falsePositives = falsePositives
        self.tuning = tuning
    }
}

/// What a policy raised: one alert per policy, scope key and group window, with its evidence.
public struct DetectionAlert: Codable, Sendable, Hashable {
    public var policyID: String
    public var policyVersion: Int
    public var title: String
    public var severity: Severity
    /// The scope's key (the actor, the target, or `account`).
    public var key: String
    public var actor: String
    /// The value that was new, or the last one counted.
    public var value: String?
    public var firstSeen: Date
    public var lastSeen: Date
    /// Matching events grouped into this alert.
    public var count: Int
    /// The evidence events' keys (`ActivityEvent.evidenceKey`), oldest first (at most `DetectionEngine.evidenceCap`).
    public var evidence: [String]

    public init(policyID: String, policyVersion: Int, title: String, severity: Severity, key: String, actor: String, value: String?,
                firstSeen: Date, lastSeen: Date, count: Int, evidence: [String]) {
        self.policyID = policyID
        self.policyVersion = policyVersion
        self.title = title
        self.severity = severity
        self.key = key
        self.actor = actor
        self.value = value
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
        self.evidence = evidence
    }
}

/// Stored and exchanged flat: `{"type":"count","threshold":5,"window":600,"per":"actor"}`.
extension DetectionKind: Codable {
    enum Keys: String, CodingKey { case type, threshold, window, per, field, learning, gap, speedKmh, minorsBehind }

    public var type: String {
        switch self {
        case .single: return "single"
        case .count: return "count"
        case .distinct: return "distinct"
        case .firstSeen: return "first_seen"
        case .returnAfter: return "return_after"
        case .impossibleTravel: return "impossible_travel"
        case .outdatedClient: return "outdated_client"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "single": self = .single
        case "count":
            self = .count(threshold: try c.decode(Int.self, forKey: .threshold), window: try c.decode(TimeInterval.self, forKey: .window),
                          per: try c.decodeIfPresent(DetectionScope.self, forKey: .per) ?? .actor)
        case "distinct":
            self = .distinct(field: try c.decode(EventField.self, forKey: .field), threshold: try c.decode(Int.self, forKey: .threshold),
                             window: try c.decode(TimeInterval.self, forKey: .window), per: try c.decodeIfPresent(DetectionScope.self, forKey: .per) ?? .actor)
        case "first_seen":
            self = .firstSeen(field: try c.decode(EventField.self, forKey: .field), learning: try c.decodeIfPresent(TimeInterval.self, forKey: .learning) ?? 7 * 86_400,
                              per: try c.decodeIfPresent(DetectionScope.self, forKey: .per) ?? .actor)
        case "return_after":
            self = .returnAfter(gap: try c.decode(TimeInterval.self, forKey: .gap), learning: try c.decodeIfPresent(TimeInterval.self, forKey: .learning) ?? 7 * 86_400,
                                per: try c.decodeIfPresent(DetectionScope.self, forKey: .per) ?? .actor)
        case "impossible_travel":
            self = .impossibleTravel(speedKmh: try c.decodeIfPresent(Double.self, forKey: .speedKmh) ?? 900,
                                     per: try c.decodeIfPresent(DetectionScope.self, forKey: .per) ?? .actor)
        case "outdated_client":
            self = .outdatedClient(minorsBehind: try c.decodeIfPresent(Int.self, forKey: .minorsBehind) ?? 6,
                                   learning: try c.decodeIfPresent(TimeInterval.self, forKey: .learning) ?? 7 * 86_400,
                                   per: try c.decodeIfPresent(DetectionScope.self, forKey: .per) ?? .actor)
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c,
                                                   debugDescription: "'\(type.prefix(40))' is not a kind of policy: use single, count, distinct, first_seen, return_after, impossible_travel or outdated_client.")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .single: break
        case .count(let threshold, let window, let per):
            try c.encode(threshold, forKey: .threshold)
            try c.encode(window, forKey: .window)
            try c.encode(per, forKey: .per)
        case .distinct(let field, let threshold, let window, let per):
            try c.encode(field, forKey: .field)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(window, forKey: .window)
            try c.encode(per, forKey: .per)
        case .firstSeen(let field, let learning, let per):
            try c.encode(field, forKey: .field)
            try c.encode(learning, forKey: .learning)
            try c.encode(per, forKey: .per)
        case .returnAfter(let gap, let learning, let per):
            try c.encode(gap, forKey: .gap)
            try c.encode(learning, forKey: .learning)
            try c.encode(per, forKey: .per)
        case .impossibleTravel(let speed, let per):
            try c.encode(speed, forKey: .speedKmh)
            try c.encode(per, forKey: .per)
        case .outdatedClient(let behind, let learning, let per):
            try c.encode(behind, forKey: .minorsBehind)
            try c.encode(learning, forKey: .learning)
            try c.encode(per, forKey: .per)
        }
    }

    /// How far back the engine must see to decide about an event now: the longest window, learning
    /// period or gap.
    public var lookBack: TimeInterval {
        switch self {
        case .single: return 0
        case .count(_, let window, _), .distinct(_, _, let window, _): return window
        case .firstSeen(_, let learning, _): return learning
        case .returnAfter(let gap, let learning, _): return max(gap, learning)
        case .impossibleTravel: return 86_400
        case .outdatedClient(_, let learning, _): return learning
        }
    }
}

extension DetectionPolicy {
    /// Why this policy cannot run where there is no Geo-IP database (`hasGeoIP` false), or nil:
    /// the one wording the engine, the API, the pages and the CLI give.
    public func inactiveReason(hasGeoIP: Bool) -> String? {
        guard kind.needsGeoIP, !hasGeoIP else { return nil }
        return "needs a Geo-IP database: start with --geoip FILE (a GeoLite2-City or DB-IP Lite City .mmdb)"
    }

    /// Limits a stored policy must keep (the API refuses anything beyond them, saying which).
    public enum Limits {
        public static let idLength = 64
        public static let titleLength = 200
        public static let listEntries = 500
        public static let entryLength = 320
        public static let patternLength = 200
        public static let longestWindow: TimeInterval = 90 * 86_400
        public static let longestGroupWindow: TimeInterval = 30 * 86_400
        public static let threshold = 1...100_000
        public static let dailyCap = 1...10_000
    }

    /// Every reason this policy cannot be stored or run (empty when it can). Checks the shape, the
    /// bounds, the networks and the pattern (which must compile and must not be able to backtrack
    /// without end: no quantified group that itself holds a quantifier or an alternative, no
    /// back-reference).
    public func problems() -> [String] {
        var out: [String] = []
        let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        // Only dots (`.`, `..`) would be a dot segment in the policy's own path, which no route reads.
        if id.isEmpty || id.unicodeScalars.count > Limits.idLength || !id.allSatisfy({ idCharacters.contains($0) }) || id.allSatisfy({ $0 == "." }) {
            out.append("id must be 1–\(Limits.idLength) letters, digits, '-', '_' or '.', and not only dots")
        }
        if title.trimmingCharacters(in: .whitespaces).isEmpty || title.unicodeScalars.count > Limits.titleLength { out.append("title must be 1–\(Limits.titleLength) characters") }
        for (name, text) in [("catches", catches), ("falsePositives", falsePositives), ("tuning", tuning)] where text.unicodeScalars.count > 2000 {
            out.append("\(name) must be at most 2000 characters")
        }
        let lists: [(String, [String]?)] = [("providers", match.providers), ("streams", match.streams), ("categories", match.categories),
                                            ("actions", match.actions), ("actors", match.actors), ("excludeActors", match.excludeActors),
                                            ("targets", match.targets), ("groups", match.groups), ("excludeGroups", match.excludeGroups), ("ipNetworks", match.ipNetworks), ("excludeIPNetworks", match.excludeIPNetworks),
                                            ("clients", match.clients), ("detailContains", match.detailContains)]
        for (name, list) in lists {
            guard let list else { continue }
            if list.count > Limits.listEntries { out.append("match.\(name) may hold at most \(Limits.listEntries) entries") }
            if list.contains(where: { $0.isEmpty || $0.unicodeScalars.count > Limits.entryLength }) { out.append("match.\(name) entries must be 1–\(Limits.entryLength) characters") }
        }
        for text in (match.ipNetworks ?? []) + (match.excludeIPNetworks ?? []) where text.count <= Limits.entryLength && IPNetwork(text) == nil {
            out.append("'\(text.prefix(60))' is not an IP address or CIDR block (e.g. 192.0.2.0/24)")
        }
        for (name, text) in [("detailPrefix", match.detailPrefix), ("detailSuffix", match.detailSuffix)] {
            if let text, text.isEmpty || text.unicodeScalars.count > Limits.entryLength { out.append("match.\(name) must be 1–\(Limits.entryLength) characters") }
        }
        if let pattern = match.detailPattern {
            if pattern.isEmpty || pattern.unicodeScalars.count > Limits.patternLength {
                out.append("match.detailPattern must be 1–\(Limits.patternLength) characters")
            } else if let reason = PatternSafety.problem(pattern) {
                out.append("match.detailPattern \(reason)")
            } else if (try? NSRegularExpression(pattern: pattern)) == nil {
                out.append("match.detailPattern is not a regular expression")
            }
        }
        func window(_ name: String, _ value: TimeInterval) {
            if !(value >= 1 && value <= Limits.longestWindow) { out.append("kind.\(name) must be 1 second to 90 days (in seconds)") }
        }
        func threshold(_ value: Int) {
            if !Limits.threshold.contains(value) { out.append("kind.threshold must be \(Limits.threshold.lowerBound)–\(Limits.threshold.upperBound)") }
        }
        switch kind {
        case .single: break
        case .count(let t, let w, _):
            threshold(t)
            window("window", w)
        case .distinct(_, let t, let w, _):
            threshold(t)
            window("window", w)
        case .firstSeen(_, let learning, _): window("learning", learning)
        case .returnAfter(let gap, let learning, _):
            window("gap", gap)
            window("learning", learning)
        case .impossibleTravel(let speed, _):
            if !(speed >= 100 && speed <= 20_000) { out.append("kind.speedKmh must be 100–20,000 (km/h; 900 is an airliner)") }
        case .outdatedClient(let behind, let learning, _):
            if !(1...100).contains(behind) { out.append("kind.minorsBehind must be 1–100 (minor releases)") }
            window("learning", learning)
        }
        if !(groupWindow >= 0 && groupWindow <= Limits.longestGroupWindow) { out.append("groupWindow must be 0 to 30 days (in seconds)") }
        if !Limits.dailyCap.contains(dailyCap) { out.append("dailyCap must be \(Limits.dailyCap.lowerBound)–\(Limits.dailyCap.upperBound)") }
        return out
    }
}

/// Refuses regular expressions that a backtracking matcher can take exponential time over.
public enum PatternSafety {
    /// Why `pattern` is refused, or nil. Conservative: a group that holds a quantifier or an
    /// alternative may not be quantified itself (`(a+)+`, `(a|aa)*`); at most two unbounded
    /// quantifiers, where `{n,m}` with m over 100 counts as one (`.*.*.*…` backtracks as a power
    /// of the text's length); no back-references, no
    /// inline flags (free-spacing mode would hide a quantifier from this check) and no `\Q…\E`.
    public static func problem(_ pattern: String) -> String? {
        // By scalar, as the engine reads it: a combining mark after a quantifier would otherwise
        // join it into one Character and hide it from this check.
        let chars = pattern.unicodeScalars.map(Character.init)
        var unbounded = 0
        for (index, c) in chars.enumerated() {
            if c == "(", index + 2 < chars.count, chars[index + 1] == "?" {
                let next = chars[index + 2]
                let lookbehind = next == "<" && index + 3 < chars.count && (chars[index + 3] == "=" || chars[index + 3] == "!")
                if !(next == ":" || next == "=" || next == "!" || lookbehind) {
                    return "may not set inline flags or name groups ((?x), (?i), (?<name>…)); use (?:…) for a group"
                }
            }
        }
        if pattern.contains("\\Q") { return "may not quote with \\Q…\\E; escape the characters instead" }
        // Per open group: whether it holds a quantifier or an alternative.
        var stack: [Bool] = []
        var i = 0
        var inClass = false
        func quantifier(at index: Int) -> Bool {
            guard index < chars.count else { return false }
            return chars[index] == "*" || chars[index] == "+" || chars[index] == "?" || chars[index] == "{"
        }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                if i + 1 < chars.count, chars[i + 1].isNumber, chars[i + 1] != "0" { return "may not use back-references (\\1)" }
                if i + 1 < chars.count, chars[i + 1] == "k" { return "may not use back-references (\\k)" }
                // `\p{L}`, `\N{…}`, `\x{…}`: the braces name a character or class, they do not repeat.
                if i + 2 < chars.count, "pPNx".contains(chars[i + 1]), chars[i + 2] == "{", let close = chars[(i + 2)...].firstIndex(of: "}") {
                    if quantifier(at: close + 1), !stack.isEmpty { stack[stack.count - 1] = true }
                    i = close + 1
                    continue
                }
                if quantifier(at: i + 2), !stack.isEmpty { stack[stack.count - 1] = true }
                i += 2
                continue
            }
            if inClass {
                if c == "]" {
                    inClass = false
                    if quantifier(at: i + 1), !stack.isEmpty { stack[stack.count - 1] = true }
                }
                i += 1
                continue
            }
            switch c {
            case "[": inClass = true
            case "(": stack.append(false)
            case ")":
                guard let risky = stack.popLast() else { return "has an unbalanced ')'" }
                // `?` alone makes a group optional, not repeated.
                if risky, quantifier(at: i + 1), chars[i + 1] != "?" {
                    return "may not repeat a group that itself repeats or has alternatives (e.g. (a+)+ or (a|b)*): it can take exponential time"
                }
                if quantifier(at: i + 1), !stack.isEmpty { stack[stack.count - 1] = true }
                if risky, !stack.isEmpty { stack[stack.count - 1] = true }
            case "|": if !stack.isEmpty { stack[stack.count - 1] = true }
            case "*", "+", "{":
                if !stack.isEmpty { stack[stack.count - 1] = true }
                // `{0,4000}` backtracks like `*` over a detail of 4,000 characters.
                if c != "{" || Self.largeBound(chars, from: i) { unbounded += 1 }
            default: break
            }
            i += 1
        }
        if unbounded > 2 { return "may hold at most two unbounded repetitions (*, +, {n,} or {n,m} with m over \(largestBound)): more can take a power of the text's length" }
        return nil
    }

    /// Whether the `{` at `index` opens `{n,}` (no upper bound) or an upper bound over
    /// `largestBound`: either counts as an unbounded repetition.
    static func largeBound(_ chars: [Character], from index: Int) -> Bool {
        guard let close = chars[index...].firstIndex(of: "}") else { return false }
        let inside = String(chars[(index + 1)..<close])
        if inside.hasSuffix(",") { return true }
        guard let upper = inside.split(separator: ",").last else { return false }
        // Digits beyond Int (`{0,99999999999999999999}`) are large too.
        return upper.count > 6 || (Int(upper) ?? Int.max) > largestBound
    }

    /// The largest `{n,m}` upper bound that does not count as unbounded.
    public static let largestBound = 100
}

/// A policy as the API and the pages take it: what is left out gets the usual default.
public struct PolicyInput: Codable, Sendable {
    public var id: String?
    public var title: String
    public var severity: Severity
    public var enabled: Bool?
    public var match: EventMatch?
    public var kind: DetectionKind?
    public var groupWindow: TimeInterval?
    public var dailyCap: Int?
    public var catches: String?
    public var falsePositives: String?
    public var tuning: String?

    public init(id: String? = nil, title: String, severity: Severity, enabled: Bool? = nil, match: EventMatch? = nil, kind: DetectionKind? = nil,
                groupWindow: TimeInterval? = nil, dailyCap: Int? = nil, catches: String? = nil, falsePositives: String? = nil, tuning: String? = nil) {
        self.id = id
        self.title = title
        self.severity = severity
        self.enabled = enabled
        self.match = match
        self.kind = kind
        self.groupWindow = groupWindow
        self.dailyCap = dailyCap
        self.catches = catches
        self.falsePositives = falsePositives
        self.tuning = tuning
    }

    /// The policy, with the usual defaults for what is left out (enabled, every event, a single
    /// event per alert, grouped per hour, 100 alerts a day).
    public func policy(id fallback: String) -> DetectionPolicy {
        DetectionPolicy(id: id ?? fallback, title: title, severity: severity, enabled: enabled ?? true, match: match ?? EventMatch(), kind: kind ?? .single,
                        groupWindow: groupWindow ?? 3600, dailyCap: dailyCap ?? 100, catches: catches ?? "", falsePositives: falsePositives ?? "",
                        tuning: tuning ?? "")
    }
}

/// Where an address is, as a Geo-IP database says.
public struct GeoLocation: Sendable, Hashable {
    /// ISO 3166 code (`DE`).
    public var country: String?
    public var city: String?
    public var latitude: Double?
    public var longitude: Double?

    public init(country: String?, city: String?, latitude: Double?, longitude: Double?) {
        self.country = country
        self.city = city
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Great-circle distance in km (haversine, mean Earth radius); nil without coordinates.
    public func kilometres(to other: GeoLocation) -> Double? {
        guard let lat1 = latitude, let lon1 = longitude, let lat2 = other.latitude, let lon2 = other.longitude else { return nil }
        let r = 6371.0088
        let p1 = lat1 * .pi / 180, p2 = lat2 * .pi / 180
        let dp = (lat2 - lat1) * .pi / 180, dl = (lon2 - lon1) * .pi / 180
        let a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
        return 2 * r * asin(min(1, sqrt(a)))
    }
}

/// Locates addresses (a Geo-IP database the operator points the server at). Detection reads it
/// through this port, so the core does no I/O.
public protocol GeoLocator: Sendable {
    func locate(_ address: String) -> GeoLocation?
}
