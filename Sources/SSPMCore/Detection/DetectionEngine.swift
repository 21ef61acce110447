import Foundation

/// Runs policies over events in time order and raises alerts. Pure: it holds its windows and
/// baselines in memory and does no I/O; the caller feeds it events (a tenant file's, or the
/// service's as they are stored) and keeps what it returns.
public struct DetectionEngine: Sendable {
    /// Evidence kept per alert; the count goes on beyond it.
    public static let evidenceCap = 50

    public let policies: [DetectionPolicy]
    private let matchers: [Matcher]
    /// The policies that can match a provider's stream (their provider and stream lists checked
    /// once per pair, not once per event), filled as pairs are met; keyed by `pairKey`.
    private var candidates: [Int: [Int]] = [:]
    /// When the engine saw its first event: learning periods count from here.
    private var start: Date?
    /// State per policy (by its index) and scope key (an interned id), in one integer: hashing one
    /// word per lookup, not a structure.
    struct StateKey: Hashable {
        let raw: Int
        init(policy: Int, key: Int) { raw = policy << 40 | key }
    }
    private var windows: [StateKey: [Date]] = [:]
    private var distinct: [StateKey: [(Date, Int)]] = [:]
    /// First-seen baselines: every (scope, value) pair met, and the number of values per scope.
    private var seen: Set<SeenValue> = []
    private var seenCount: [StateKey: Int] = [:]
    struct SeenValue: Hashable {
        let state: Int, value: Int
    }
    /// Texts as small integers: a string is hashed once per event, not once per policy.
    private var interner = Interner()
    private var lastSeen: [StateKey: Date] = [:]
    private var open: [StateKey: Int] = [:]
    private var perDay: [Int: (day: Int, count: Int)] = [:]
    /// Derived values (client type, network) by the raw text they come from, computed once.
    private var derived: [DerivedKey: Int] = [:]
    struct DerivedKey: Hashable {
        let slot: Int
        let raw: String
    }
    /// The current event's field values (`EventField.slot`): `unknown` not computed yet, `absent` none.
    private var eventFields = [Int](repeating: DetectionEngine.unknown, count: EventField.allCases.count)
    private static let unknown = -2, absent = -1
    /// Group ids and names (interned, lower case) per actor id, for policies with group filters.
    private let groupsByActor: [Int: [Int]]
    public private(set) var alerts: [DetectionAlert] = []
    /// Alerts a daily cap held back, per policy.
    public private(set) var suppressed: [String: Int] = [:]
    public private(set) var evaluated = 0

    /// Throws `DetectionPolicyError` for a policy whose pattern or networks do not parse.
    /// `learningSince`: when the engine's history starts (the service passes its connector's first
    /// backfilled day, so a restart that replays fewer days is not taken for a new start); nil
    /// means the first event it sees.
    /// `locator`: the Geo-IP database; without one, policies that need it do not run and say why
    /// (`inactive`).
    /// `groups`: the groups (ids and names) each actor belongs to, for policies that include or
    /// exclude groups; a policy with a group filter and no membership for an actor treats the
    /// actor as in no group.
    public init(policies: [DetectionPolicy], learningSince: Date? = nil, locator: (any GeoLocator)? = nil,
                groups: [String: [String]] = [:]) throws {
        let enabled = policies.filter(\.enabled)
        self.policies = enabled.filter { $0.inactiveReason(hasGeoIP: locator != nil) == nil }
        self.inactive = Dictionary(enabled.compactMap { policy in policy.inactiveReason(hasGeoIP: locator != nil).map { (policy.id, $0) } },
                                   uniquingKeysWith: { a, _ in a })
        var interner = Interner()
        self.matchers = try self.policies.map { try Matcher($0.match, policy: $0.id, interner: &interner) }
        var byActor: [Int: [Int]] = [:]
        if matchers.contains(where: \.readsGroups) {
            for (actor, names) in groups {
                let id = interner.folded(actor)
                byActor[id, default: []].append(contentsOf: names.map { interner.folded($0) })
            }
        }
        self.groupsByActor = byActor
        self.interner = interner
        self.start = learningSince
        self.locator = locator
    }

    /// Enabled policies that cannot run here, with the reason.
    public let inactive: [String: String]
    let locator: (any GeoLocator)?
    /// Locations by address, looked up once.
    private var places: [String: GeoLocation?] = [:]
    /// The newest client version per policy and client type (outdated client).
    private var newestVersion: [StateKey: VersionBaseline] = [:]
    /// Parsed client versions by the client text.
    private var versions: [String: ClientVersion?] = [:]
    /// The last located event per policy and scope (impossible travel).
    private var lastPlace: [StateKey: (time: Date, place: GeoLocation, address: String)] = [:]

    private mutating func place(_ address: String?) -> GeoLocation? {
        guard let address, let locator else { return nil }
        if let known = places[address] { return known }
        if places.count > 200_000 { places.removeAll(keepingCapacity: true) }
        let found = locator.locate(address)
        places[address] = found
        return found
    }

    /// The latest time of the events processed so far (events before it are late).
    public private(set) var watermark: Date?

    /// Every alert the policies raise over `events` (sorted by time first).
    public static func run(_ policies: [DetectionPolicy], over events: [ActivityEvent], locator: (any GeoLocator)? = nil,
                           groups: [String: [String]] = [:]) throws -> DetectionEngine {
        var engine = try DetectionEngine(policies: policies, locator: locator, groups: groups)
        for event in events.sorted(by: inTimeOrder) { engine.process(event) }
        return engine
    }

    /// The order the engine takes events in: by time, then fingerprint (stable for equal times).
    public static func inTimeOrder(_ a: ActivityEvent, _ b: ActivityEvent) -> Bool {
        a.occurredAt != b.occurredAt ? a.occurredAt < b.occurredAt : a.fingerprint < b.fingerprint
    }

    /// Evaluates one event; returns the indexes in `alerts` it opened or added to.
    @discardableResult
    public mutating func process(_ event: ActivityEvent) -> [Int] {
        evaluated += 1
        if start == nil { start = event.occurredAt }
        if watermark.map({ event.occurredAt > $0 }) ?? true { watermark = event.occurredAt }
        for slot in eventFields.indices { eventFields[slot] = Self.unknown }
        var lowered = LoweredEvent(
            category: event.category.map { interner.folded($0) }, action: event.action.map { interner.folded($0) },
            actor: event.actor.isEmpty ? nil : interner.folded(event.actor), target: event.target.map { interner.folded($0) })
        let pair = interner.folded(event.provider) << 32 | interner.folded(event.stream)
        let chosen: [Int]
        if let known = candidates[pair] { chosen = known } else {
            let provider = event.provider.lowercased(), stream = event.stream.lowercased()
            chosen = policies.indices.filter { matchers[$0].accepts(provider: provider, stream: stream) }
            candidates[pair] = chosen
        }
        var touched: [Int] = []
        for index in chosen {
            let matcher = matchers[index]
            if matcher.readsClient, lowered.client == nil {
                lowered.client = event.client?.lowercased() ?? ""
            }
            if matcher.readsGroups, lowered.groups == nil {
                lowered.groups = lowered.actor.flatMap { groupsByActor[$0] } ?? []
            }
            guard matcher.matches(event, &lowered) else { continue }
            if let alert = apply(index, event, lowered) { touched.append(alert) }
        }
        return touched
    }

    private func scopeKey(_ scope: DetectionScope, _ event: LoweredEvent) -> Int? {
        switch scope {
        case .actor: return event.actor
        case .target: return event.target
        case .account: return 0
        }
    }

    private func learning(_ seconds: TimeInterval, at time: Date) -> Bool {
        guard let start else { return true }
        return time.timeIntervalSince(start) < seconds
    }

    /// A field's value as an interned id, computed once per event whatever the number of policies
    /// that read it. Values compare in lower case.
    private mutating func field(_ field: EventField, _ event: ActivityEvent) -> Int? {
        let slot = field.slot
        let cached = eventFields[slot]
        if cached != Self.unknown { return cached == Self.absent ? nil : cached }
        let found = computeField(field, event)
        eventFields[slot] = found ?? Self.absent
        return found
    }

    private mutating func computeField(_ field: EventField, _ event: ActivityEvent) -> Int? {
        func folded(_ text: String?) -> Int? {
            guard let text, !text.isEmpty else { return nil }
            return interner.folded(text)
        }
        switch field {
        case .actor: return folded(event.actor)
        case .target: return folded(event.target)
        case .ipAddress: return folded(event.ipAddress)
        case .client: return folded(event.client)
        case .category: return folded(event.category)
        case .action: return folded(event.action)
        case .clientType, .network:
            guard let raw = field == .network ? event.ipAddress : event.client, !raw.isEmpty else { return nil }
            let key = DerivedKey(slot: field.slot, raw: raw)
            if let known = derived[key] { return known == Self.absent ? nil : known }
            if derived.count > 500_000 { derived.removeAll(keepingCapacity: true) }
            let found = folded(field.value(of: event))
            derived[key] = found ?? Self.absent
            return found
        case .hourBlock, .country:
            return folded(field == .country ? place(event.ipAddress)?.country : field.value(of: event))
        }
    }

    private mutating func apply(_ index: Int, _ event: ActivityEvent, _ lowered: LoweredEvent) -> Int? {
        let t = event.occurredAt
        let groupWindow = policies[index].groupWindow
        switch policies[index].kind {
        case .single:
            return raise(index, key: scopeKey(.actor, lowered) ?? 0, event: event, value: nil)
        case .count(let threshold, let window, let scope):
            guard let key = scopeKey(scope, lowered) else { return nil }
            let id = StateKey(policy: index, key: key)
            if let index = open[id], t <= alerts[index].firstSeen.addingTimeInterval(groupWindow) {
                return add(event, to: index, value: nil)
            }
            let count = Self.slide(&windows[id, default: []], adding: t, window: window)
            guard count >= threshold else { return nil }
            windows[id] = nil
            return raise(index, key: key, event: event, value: nil, count: count)
        case .distinct(let name, let threshold, let window, let scope):
            guard let key = scopeKey(scope, lowered), let valueID = field(name, event) else { return nil }
            let id = StateKey(policy: index, key: key)
            if let index = open[id], t <= alerts[index].firstSeen.addingTimeInterval(groupWindow) {
                return add(event, to: index, value: interner.names[valueID])
            }
            let count = Self.slide(&distinct[id, default: []], adding: (t, valueID), window: window)
            guard count >= threshold else { return nil }
            distinct[id] = nil
            return raise(index, key: key, event: event, value: interner.names[valueID], count: count)
        case .firstSeen(let name, let learningPeriod, let scope):
            guard let key = scopeKey(scope, lowered), let valueID = field(name, event) else { return nil }
            let id = StateKey(policy: index, key: key)
            // One flat set of (scope, value) pairs: the usual case, a known value, is one lookup.
            guard seen.insert(SeenValue(state: id.raw, value: valueID)).inserted else { return nil }
            // Only a scope with a history has a usual: a first event ever teaches, it does not alert.
            let known = Self.increment(&seenCount[id, default: 0])
            guard known > 1, !learning(learningPeriod, at: t) else { return nil }
            return raise(index, key: key, event: event, value: interner.names[valueID])
        case .returnAfter(let gap, let learningPeriod, let scope):
            guard let key = scopeKey(scope, lowered) else { return nil }
            let id = StateKey(policy: index, key: key)
            let previous = Self.advance(&lastSeen[id], to: t)
            guard let previous, t.timeIntervalSince(previous) >= gap, !learning(learningPeriod, at: t) else { return nil }
            return raise(index, key: key, event: event, value: isoDay(previous))
        case .impossibleTravel(let speed, let scope):
            guard let key = scopeKey(scope, lowered), let address = event.ipAddress, let here = place(address), here.latitude != nil else { return nil }
            let id = StateKey(policy: index, key: key)
            let last = lastPlace[id]
            // A late event is not a move: the newest place stays.
            guard last.map({ t >= $0.time }) ?? true else { return nil }
            lastPlace[id] = (t, here, address)
            guard let last, last.address != address, let from = last.place.country, let to = here.country, from != to,
                  let km = last.place.kilometres(to: here) else { return nil }
            // At least a minute between the two, so two sign-ins in the same second are not infinitely fast.
            let hours = max(t.timeIntervalSince(last.time), 60) / 3600
            guard km / hours > speed else { return nil }
            let minutes = Int((t.timeIntervalSince(last.time) / 60).rounded())
            return raise(index, key: key, event: event, value: "\(from) → \(to), \(Int(km.rounded())) km in \(minutes) min")
        case .outdatedClient(let behind, let learningPeriod, let scope):
            guard let key = scopeKey(scope, lowered), let client = event.client, let version = clientVersion(client) else { return nil }
            guard let newest = Self.observe(&newestVersion[StateKey(policy: index, key: version.type), default: VersionBaseline()], version, actor: lowered.actor),
                  !learning(learningPeriod, at: t), newest.major > version.major || newest.minor - version.minor >= behind else { return nil }
            return raise(index, key: key, event: event, value: "\(client); the account's newest is \(newest.major).\(newest.minor)")
        }
    }

    /// Counts `version` into the baseline (one dictionary access); the account's newest after it.
    private static func observe(_ baseline: inout VersionBaseline, _ version: ClientVersion, actor: Int?) -> ClientVersion? {
        baseline.observe(version, actor: actor)
        return baseline.established
    }

    /// `Mac 6.2.0 (12345)` → type `mac`, 6.2; nil for a client without a version.
    private mutating func clientVersion(_ client: String) -> ClientVersion? {
        if let known = versions[client] { return known }
        if versions.count > 100_000 { versions.removeAll(keepingCapacity: true) }
        var found: ClientVersion?
        let words = client.split(separator: " ", maxSplits: 2)
        if words.count >= 2 {
            let numbers = words[1].split(separator: ".", maxSplits: 2).prefix(2).map { Int($0.prefix { $0.isASCII && $0.isNumber }) }
            if numbers.count == 2, let major = numbers[0], let minor = numbers[1], major < 10_000, minor < 10_000 {
                found = ClientVersion(type: interner.folded(String(words[0])), major: major, minor: minor)
            }
        }
        versions[client] = found
        return found
    }

    private static func increment(_ count: inout Int) -> Int {
        count += 1
        return count
    }

    /// Sets `last` to `time` unless it is later already (a late event does not move it back); the
    /// value before. One lookup when called on a dictionary's entry.
    private static func advance(_ last: inout Date?, to time: Date) -> Date? {
        let previous = last
        if previous.map({ time > $0 }) ?? true { last = time }
        return previous
    }

    /// Drops the times older than `window` before `time`, appends it; the number left.
    private static func slide(_ times: inout [Date], adding time: Date, window: TimeInterval) -> Int {
        if let keep = times.firstIndex(where: { time.timeIntervalSince($0) < window }) { times.removeFirst(keep) } else { times.removeAll(keepingCapacity: true) }
        times.append(time)
        return times.count
    }

    /// Drops the values older than `window` before `entry`, appends it, and counts the distinct
    /// values left (few per window: counted without building a set).
    private static func slide(_ values: inout [(Date, Int)], adding entry: (Date, Int), window: TimeInterval) -> Int {
        if let keep = values.firstIndex(where: { entry.0.timeIntervalSince($0.0) < window }) { values.removeFirst(keep) } else { values.removeAll(keepingCapacity: true) }
        values.append(entry)
        var count = 0
        for position in values.indices where !values[..<position].contains(where: { $0.1 == values[position].1 }) { count += 1 }
        return count
    }

    /// Adds `event` to the open alert of its policy and key, or opens one (unless the policy's
    /// daily cap is reached).
    private mutating func raise(_ policyIndex: Int, key: Int, event: ActivityEvent, value: String?, count: Int = 1) -> Int? {
        let id = StateKey(policy: policyIndex, key: key)
        if let index = open[id], event.occurredAt <= alerts[index].firstSeen.addingTimeInterval(policies[policyIndex].groupWindow) {
            return add(event, to: index, value: value)
        }
        let policy = policies[policyIndex]
        let day = Int((event.occurredAt.timeIntervalSince1970 / 86_400).rounded(.down))  // the UTC day
        let today = perDay[policyIndex].flatMap { $0.day == day ? $0.count : nil } ?? 0
        guard today < policy.dailyCap else {
            suppressed[policy.id, default: 0] += 1
            return nil
        }
        perDay[policyIndex] = (day, today + 1)
        alerts.append(DetectionAlert(policyID: policy.id, policyVersion: policy.version, title: "", severity: policy.severity, key: interner.names[key],
                                     actor: event.actor, value: value, firstSeen: event.occurredAt, lastSeen: event.occurredAt, count: count,
                                     evidence: [event.evidenceKey]))
        let index = alerts.count - 1
        alerts[index].title = Self.title(policy.title, alerts[index], event)
        open[id] = index
        return index
    }

    private mutating func add(_ event: ActivityEvent, to index: Int, value: String?) -> Int {
        alerts[index].count += 1
        alerts[index].lastSeen = max(alerts[index].lastSeen, event.occurredAt)
        if let value { alerts[index].value = value }
        if alerts[index].evidence.count < Self.evidenceCap { alerts[index].evidence.append(event.evidenceKey) }
        return index
    }

    /// Fills `{actor}`, `{target}`, `{value}`, `{count}` and `{detail}`; any other `{…}` stays as written.
    static func title(_ template: String, _ alert: DetectionAlert, _ event: ActivityEvent) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            switch rest[rest.index(after: open)..<close] {
            case "actor": out += event.actor.isEmpty ? "someone" : event.actor
            case "target": out += event.target ?? "?"
            case "value": out += alert.value ?? "?"
            case "count": out += String(alert.count)
            case "detail": out += (event.detail ?? "").prefix(200)
            default: out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

public struct DetectionPolicyError: Error, CustomStringConvertible {
    public let description: String
}

/// A client's type (interned) and version, ordered by version.
struct ClientVersion: Comparable {
    let type: Int, major: Int, minor: Int
    static func < (a: ClientVersion, b: ClientVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}

/// The account's newest version of a client type: the newest that at least `quorum` different
/// people use (or something newer), so one forged or beta version (`Mac 9999.0`) does not make
/// everyone else outdated.
struct VersionBaseline {
    static let quorum = 3
    /// At most this many newer versions are followed; past it the oldest is let go (the baseline
    /// then moves later, never falsely).
    static let followed = 32
    private(set) var established: ClientVersion?
    /// Versions newer than the established one, newest first, with the people who reported them.
    private var newer: [(version: ClientVersion, actors: Set<Int>)] = []

    mutating func observe(_ version: ClientVersion, actor: Int?) {
        if let established, version <= established { return }
        guard let actor else { return }
        if let index = newer.firstIndex(where: { $0.version == version }) {
            guard newer[index].actors.insert(actor).inserted else { return }
        } else {
            newer.append((version, [actor]))
            newer.sort { $0.version > $1.version }
            if newer.count > Self.followed { newer.removeLast() }
        }
        // The newest version with a quorum at it or beyond.
        var people = Set<Int>()
        for (index, entry) in newer.enumerated() {
            people.formUnion(entry.actors)
            if people.count >= Self.quorum {
                established = entry.version
                newer.removeSubrange(index...)
                return
            }
        }
    }
}

/// Texts as small integers. `folded` maps a text as events carry it to the id of its lower-cased
/// form, lower-casing each distinct text once.
struct Interner: Sendable {
    private(set) var names: [String] = ["account"]
    private var ids: [String: Int] = ["account": 0]
    private var raw: [String: Int] = [:]

    /// The id of `text` exactly as written.
    mutating func id(_ text: String) -> Int {
        if let id = ids[text] { return id }
        names.append(text)
        ids[text] = names.count - 1
        return names.count - 1
    }

    /// The id of `text` in lower case.
    mutating func folded(_ text: String) -> Int {
        if let id = raw[text] { return id }
        let id = id(text.lowercased())
        // Only a cache (the ids stay valid): bounded against events with ever new spellings.
        if raw.count >= 500_000 { raw.removeAll(keepingCapacity: true) }
        raw[text] = id
        return id
    }
}

/// The event's texts that policies compare, as interned lower-case ids (computed once per event).
struct LoweredEvent {
    let category: Int?, action: Int?
    /// The scope keys: the actor (nil when unknown) and the target.
    let actor: Int?, target: Int?
    /// The client in lower case ("" when none), filled when a policy filters on clients.
    var client: String?
    /// The actor's groups, filled when a policy filters on groups.
    var groups: [Int]?
    /// The address's bytes, parsed when a policy filters on networks: nil not parsed yet, .some(nil) none.
    var address: [UInt8]??
}

/// A set of interned ids: a short list searched in place, a long one hashed.
struct IDSet: Sendable {
    private let small: [Int]
    private let large: Set<Int>?

    init(_ ids: [Int]) {
        if ids.count <= 8 { small = ids; large = nil } else { small = []; large = Set(ids) }
    }

    func contains(_ id: Int) -> Bool { large?.contains(id) ?? small.contains(id) }
}

/// A policy's `EventMatch`, parsed once (networks, pattern, lower-cased lists as interned ids).
/// A class: the engine reads it for every event and policy, and a reference is one retain where a
/// structure of sets and lists was a dozen.
final class Matcher: Sendable {
    let match: EventMatch
    let providers: Set<String>?, streams: Set<String>?
    let categories: IDSet?, actions: IDSet?, actors: IDSet?, excluded: IDSet?, targets: IDSet?
    let groups: IDSet?, excludedGroups: IDSet?
    let networks: [IPNetwork]?, excludedNetworks: [IPNetwork]
    let clients: [String]?
    let pattern: BoundedPattern?
    let readsClient: Bool, readsGroups: Bool, readsAddress: Bool, readsDetail: Bool

    init(_ match: EventMatch, policy: String, interner: inout Interner) throws {
        func set(_ list: [String]?) -> Set<String>? { list.map { Set($0.map { $0.lowercased() }) } }
        func ids(_ list: [String]?) -> IDSet? { list.map { IDSet($0.map { interner.folded($0) }) } }
        func networks(_ list: [String]?) throws -> [IPNetwork]? {
            try list.map { try $0.map { text in
                guard let network = IPNetwork(text) else {
                    throw DetectionPolicyError(description: "Policy \(policy): '\(text.prefix(60))' is not an IP address or CIDR block (e.g. 192.0.2.0/24).")
                }
                return network
            } }
        }
        self.match = match
        providers = set(match.providers)
        streams = set(match.streams)
        categories = ids(match.categories)
        actions = ids(match.actions)
        actors = ids(match.actors)
        excluded = match.excludeActors?.isEmpty == false ? ids(match.excludeActors) : nil
        targets = ids(match.targets)
        groups = match.groups?.isEmpty == false ? ids(match.groups) : nil
        excludedGroups = match.excludeGroups?.isEmpty == false ? ids(match.excludeGroups) : nil
        self.networks = try networks(match.ipNetworks)
        excludedNetworks = try networks(match.excludeIPNetworks) ?? []
        clients = match.clients?.map { $0.lowercased() }
        if let text = match.detailPattern {
            do { pattern = try BoundedPattern(text) } catch {
                throw DetectionPolicyError(description: "Policy \(policy): the detail pattern '\(text.prefix(80))' is not a regular expression.")
            }
        } else {
            pattern = nil
        }
        readsClient = clients != nil
        readsGroups = groups != nil || excludedGroups != nil
        readsAddress = self.networks != nil || !excludedNetworks.isEmpty
        readsDetail = match.detailContains != nil || match.detailPrefix != nil || match.detailSuffix != nil || pattern != nil
    }

    /// `needle` in `haystack`, byte for byte (the detail is matched verbatim, so no Unicode folding).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        var haystack = haystack, needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard !n.isEmpty else { return true }
                guard n.count <= h.count, let hb = h.baseAddress, let nb = n.baseAddress else { return false }
                let first = n[0]
                var i = 0
                while i <= h.count - n.count {
                    if h[i] == first, memcmp(hb + i, nb, n.count) == 0 { return true }
                    i += 1
                }
                return false
            }
        }
    }

    /// Whether events of this provider's stream can match (checked once per pair).
    func accepts(provider: String, stream: String) -> Bool {
        (providers?.contains(provider) ?? true) && (streams?.contains(stream) ?? true)
    }

    /// The rest of the filter, for an event whose provider and stream `accepts`. `l.client` and
    /// `l.groups` are filled by the engine when `readsClient` and `readsGroups` say so.
    func matches(_ e: ActivityEvent, _ l: inout LoweredEvent) -> Bool {
        func inSet(_ set: IDSet?, _ value: Int?) -> Bool {
            guard let set else { return true }
            guard let value else { return false }
            return set.contains(value)
        }
        guard inSet(categories, l.category), inSet(actions, l.action), inSet(actors, l.actor), inSet(targets, l.target) else { return false }
        if let excluded, let actor = l.actor, excluded.contains(actor) { return false }
        if let outcome = match.outcome, e.outcome != outcome { return false }
        if readsGroups {
            let mine = l.groups ?? []
            if let groups, !mine.contains(where: groups.contains) { return false }
            if let excludedGroups, mine.contains(where: excludedGroups.contains) { return false }
        }
        if let clients {
            guard let client = l.client, !client.isEmpty, clients.contains(where: { client.hasPrefix($0) }) else { return false }
        }
        if readsAddress {
            if l.address == nil { l.address = .some(e.ipAddress.flatMap(IPNetwork.address)) }
            let address = l.address ?? nil
            if let networks {
                guard let address, networks.contains(where: { $0.contains(address) }) else { return false }
            }
            if let address, excludedNetworks.contains(where: { $0.contains(address) }) { return false }
        }
        if readsDetail {
            guard let detail = e.detail else { return false }
            if let parts = match.detailContains, !parts.allSatisfy({ Self.contains(detail, $0) }) { return false }
            if let prefix = match.detailPrefix, !detail.hasPrefix(prefix) { return false }
            if let suffix = match.detailSuffix, !detail.hasSuffix(suffix) { return false }
            if let pattern {
                // At most the first 4,000 characters, within a step budget: a match that runs out
                // of it counts as none, so a long detail cannot stall detection.
                if pattern.outcome(in: detail) != .match { return false }
            }
        }
        return true
    }
}

/// An IPv4 or IPv6 address block.
struct IPNetwork: Sendable, Hashable {
    let bytes: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = Self.address(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = bits
        }
        bytes = address
    }

    /// 4 or 16 bytes; an IPv4-mapped IPv6 address as its IPv4 form.
    static func address(_ text: String) -> [UInt8]? { IPAddressText.bytes(text).map(IPAddressText.unmapped) }

    /// `192.0.2.0/24` for an IPv4 address, `2001:db8:1::/48` for an IPv6 one; nil for text that is not an address.
    static func networkLabel(_ text: String) -> String? {
        guard let bytes = address(text) else { return nil }
        if bytes.count == 4 { return "\(bytes[0]).\(bytes[1]).\(bytes[2]).0/24" }
        let groups = stride(from: 0, to: 6, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/48"
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var left = prefix
        for index in 0..<bytes.count where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xff : (0xff as UInt8) << UInt8(8 - left)
            if address[index] & mask != bytes[index] & mask { return false }
            left -= 8
        }
        return true
    }
}

/// Addresses in text, parsed one way for detection, Geo-IP and the receivers' loopback rule.
public enum IPAddressText {
    /// 4 bytes for IPv4, 16 for IPv6, as written (an IPv4-mapped IPv6 address stays 16 bytes).
    public static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        return withUnsafeBytes(of: &v6) { Array($0) }
    }

    /// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as its IPv4 bytes; any other as it is.
    public static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return bytes }
        return Array(bytes[12..<16])
    }

    /// An IPv4 address in 127.0.0.0/8, written as one (`127.attacker.example` is a host name, not this).
    public static func isIPv4Loopback(_ text: String) -> Bool {
        guard let address = bytes(text), address.count == 4 else { return false }
        return address[0] == 127
    }
}
