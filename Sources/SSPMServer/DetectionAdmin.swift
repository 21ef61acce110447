import Foundation
import NIOSSL
import SSPMCore
import SSPMStorage

/// A channel as the API and the pages take it (secrets included, never shown back).
struct ChannelInput: Codable, Sendable {
    var name: String?
    var kind: ChannelKind?
    var enabled: Bool?
    var minSeverity: Severity?
    var policies: [String]?
    var url: String?
    var email: EmailSettings?
    var password: String?
}

/// A channel as shown: the URL cut after its host (Slack's and Teams' URLs are secrets), no password.
struct ChannelView: Codable, Sendable {
    var id: String
    var name: String
    var kind: ChannelKind
    var enabled: Bool
    var minSeverity: Severity
    var policies: [String]?
    var url: String?
    var email: EmailView?
    var hasSigningSecret: Bool
    var createdAt: Date
    var updatedAt: Date
    /// Only in the answer that created the channel: the Standard Webhooks secret to verify with.
    var signingSecret: String?

    /// Where it sends, in a line (the pages).
    var target: String { url ?? email.map { "\($0.to.joined(separator: ", ")) via \($0.host):\($0.port)" } ?? "" }

    struct EmailView: Codable, Sendable {
        var host: String
        var port: Int
        var security: EmailSettings.Security
        var username: String?
        var from: String
        var to: [String]
        var hasPassword: Bool
        var hasCACertificate: Bool
    }

    init(_ c: NotificationChannel, showSecret: Bool = false) {
        id = c.id
        name = c.name
        kind = c.kind
        enabled = c.enabled
        minSeverity = c.minSeverity
        policies = c.policies
        url = c.secrets.url.map(DetectionAdmin.shownURL)
        email = c.email.map { EmailView(host: $0.host, port: $0.port, security: $0.security, username: $0.username, from: $0.from, to: $0.to,
                                        hasPassword: c.secrets.password != nil, hasCACertificate: $0.caCertificate != nil) }
        hasSigningSecret = c.secrets.signingSecret != nil
        createdAt = c.createdAt
        updatedAt = c.updatedAt
        signingSecret = showSecret ? c.secrets.signingSecret : nil
    }
}

/// Detection's rules for people: saving policies (checked, versioned), previewing them, alert
/// lifecycle, channels. The API and the web pages both call these, so a rule lives once.
struct DetectionAdmin: Sendable {
    let deps: ServerDependencies

    static func invalid(_ problems: [String], what: String) -> APIError {
        APIError(.unprocessableContent, "invalid_\(what)", "The \(what) cannot be saved: \(problems.joined(separator: "; ")).",
                 fix: "Correct it and send again; nothing was changed.", details: .array(problems.map(JSONValue.string)))
    }

    // MARK: policies

    func templates() -> [(provider: String, policy: DetectionPolicy)] {
        deps.providers.detectionTemplates
    }

    func create(_ input: PolicyInput, by: String) async throws -> StoredPolicy {
        let policy = input.policy(id: "P-" + UUID().uuidString.prefix(8).lowercased())
        let problems = policy.problems()
        guard problems.isEmpty else { throw Self.invalid(problems, what: "policy") }
        if try await deps.stores.detections.policy(id: policy.id) != nil {
            throw APIError(.conflict, "policy_exists", "A policy with the id \(policy.id) exists.", fix: "Choose another id, or change that policy with PUT.")
        }
        let saved = try await deps.stores.detections.savePolicy(policy, template: nil, by: by, at: deps.now())
        try await deps.auth.audit(actor: by, action: "policy.create", target: policy.id, detail: "version \(saved.policy.version)", at: deps.now())
        deps.detectionFeed.policiesChanged()
        return saved
    }

    func update(id: String, _ input: PolicyInput, by: String) async throws -> StoredPolicy {
        guard try await deps.stores.detections.policy(id: id) != nil else { throw APIError.notFound("Policy \(id)") }
        if let other = input.id, other != id {
            throw APIError.badRequest("The body's id (\(other.prefix(64))) is not the policy's (\(id)).", fix: "Leave id out, or send the same one; ids do not change.")
        }
        let policy = input.policy(id: id)
        let problems = policy.problems()
        guard problems.isEmpty else { throw Self.invalid(problems, what: "policy") }
        let saved = try await deps.stores.detections.savePolicy(policy, template: nil, by: by, at: deps.now())
        try await deps.auth.audit(actor: by, action: "policy.update", target: id, detail: "version \(saved.policy.version), \(policy.enabled ? "enabled" : "disabled")", at: deps.now())
        deps.detectionFeed.policiesChanged()
        return saved
    }

    func delete(id: String, by: String) async throws {
        guard try await deps.stores.detections.deletePolicy(id: id) else { throw APIError.notFound("Policy \(id)") }
        try await deps.auth.audit(actor: by, action: "policy.delete", target: id, detail: nil, at: deps.now())
        deps.detectionFeed.policiesChanged()
    }

    struct Preview: Codable, Sendable {
        var wouldRaise: Int
        var evaluated: Int
        var from: Date
        var to: Date
        var suppressed: Int
        /// The first alerts (at most 20), oldest first.
        var alerts: [DetectionAlert]
    }

    /// What `input` would have raised over a connector's last `days` days (the events stored; at
    /// most 500,000 of them).
    func preview(_ input: PolicyInput, connectorID: String, days: Int) async throws -> Preview {
        var policy = input.policy(id: input.id ?? "preview")
        policy.enabled = true
        let problems = policy.problems()
        guard problems.isEmpty else { throw Self.invalid(problems, what: "policy") }
        guard let connector = try await deps.connectors.get(id: connectorID) else { throw APIError.notFound("Connector \(connectorID)") }
        let now = deps.now()
        // Enough history before the window for the policy's own look-back.
        let lookBack = Double(days) * 86_400 + policy.kind.lookBack
        let replay = try await DetectionReplay.run(deps: deps, connector: connector, policies: [policy], until: now, lookBack: lookBack, eventCap: 500_000)
        let start = now.addingTimeInterval(-Double(days) * 86_400)
        let alerts = replay.engine.alerts.filter { $0.lastSeen >= start }
        return Preview(wouldRaise: alerts.count, evaluated: replay.engine.evaluated, from: start, to: now,
                       suppressed: replay.engine.suppressed.values.reduce(0, +), alerts: Array(alerts.prefix(20)))
    }

    // MARK: alerts

    struct AlertChange: Codable, Sendable {
        var status: AlertStatus?
        var resolution: AlertResolution?
        var assignee: String?
    }

    /// Dismissing needs a reason (false positive, benign, true positive); a resolution is only for
    /// a closed alert.
    func change(alertID: String, _ change: AlertChange, by: String) async throws -> AlertRecord {
        guard let alert = try await deps.stores.detections.alert(id: alertID) else { throw APIError.notFound("Alert \(alertID)") }
        let status = change.status ?? alert.status
        if status == .dismissed, (change.resolution ?? alert.resolution) == nil {
            throw APIError.badRequest("Dismissing an alert needs a resolution: false_positive, benign or true_positive.",
                                      fix: "Send {\"status\":\"dismissed\",\"resolution\":\"false_positive\"} (or benign, true_positive).")
        }
        if change.resolution != nil, status == .open || status == .acknowledged {
            throw APIError.badRequest("A resolution is given when an alert is resolved or dismissed, not while it is \(status.rawValue).",
                                      fix: "Send the status resolved or dismissed with it.")
        }
        if let assignee = change.assignee, assignee.unicodeScalars.count > 254 || assignee.contains(where: { $0.isNewline }) {
            throw APIError.badRequest("assignee must be at most 254 characters on one line.", fix: "Send the person's e-mail address.")
        }
        guard let next = try await deps.stores.detections.update(alertID: alertID, AlertUpdate(status: change.status, resolution: change.resolution, assignee: change.assignee),
                                                                 at: deps.now()) else { throw APIError.notFound("Alert \(alertID)") }
        var detail = "status \(next.status.rawValue)"
        if let resolution = next.resolution { detail += ", \(resolution.rawValue)" }
        if let assignee = change.assignee { detail += ", assignee \(assignee.isEmpty ? "none" : assignee)" }
        try await deps.auth.audit(actor: by, action: "alert.update", target: alertID, detail: detail, at: deps.now())
        return next
    }

    func comment(alertID: String, body: String, by: String) async throws -> AlertComment {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.unicodeScalars.count <= 4000 else {
            throw APIError.badRequest("A comment is 1 to 4000 characters (not only spaces).", fix: "Write the comment and send again.")
        }
        guard try await deps.stores.detections.alert(id: alertID) != nil else { throw APIError.notFound("Alert \(alertID)") }
        let comment = AlertComment(alertID: alertID, author: by, body: text, at: deps.now())
        try await deps.stores.detections.addComment(comment)
        return comment
    }

    // MARK: channels

    /// `https://hooks.slack.com/…`: the scheme and host, the rest cut.
    static func shownURL(_ text: String) -> String {
        guard let url = URLComponents(string: text), let scheme = url.scheme, let host = url.host else { return "…" }
        // An IPv6 address keeps its brackets (without them its port reads as part of it).
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)\(url.port.map { ":\($0)" } ?? "")/…"
    }

    /// `localhost`, `::1`, or an IPv4 address in 127.0.0.0/8 written as one (a host name that only
    /// starts with `127.`, such as `127.attacker.example`, is not).
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || IPAddressText.isIPv4Loopback(h)
    }

    /// Problems with a receiver URL: https (http only to this machine), a host, no user name or
    /// password in it, at most 2048 characters.
    static func urlProblems(_ text: String) -> [String] {
        let wrong = OutboundURL.problems(text, field: "url", use: .receiver)
        guard wrong.isEmpty, let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host else { return wrong }
        if scheme == "https" { return [] }
        if scheme == "http", isLoopback(host) { return [] }
        return ["url must use https (http is accepted only for a receiver on this machine: localhost, 127.0.0.1, ::1)"]
    }

    /// Text shown as one line (a channel's name in the pages, alerts and messages): no control
    /// character but tab, no line or paragraph separator, and no bidirectional override or isolate,
    /// which would show the rest of a line in another order than it is stored.
    static func isShownOneLine(_ text: String) -> Bool {
        !text.unicodeScalars.contains { scalar in
            let v = scalar.value
            return (v < 0x20 && v != 0x09) || (0x7f...0x9f).contains(v) || v == 0x2028 || v == 0x2029 || LogText.overridesDirection(scalar)
        }
    }

    static func emailProblems(_ e: EmailSettings) -> [String] {
        var out: [String] = []
        if !(HostName.isPlain(e.host) || HostName.isIPv6(e.host)) {
            out.append("email.host must be a host name or address: \(HostName.rule), or an IPv6 address without brackets; at most 253 characters")
        }
        if !(1...65535).contains(e.port) { out.append("email.port must be 1–65535") }
        if e.security == .none, !isLoopback(e.host) { out.append("email.security none is accepted only for a relay on this machine; use starttls (587) or tls (465)") }
        if let user = e.username, user.isEmpty || user.unicodeScalars.count > 254 || user.contains(where: { $0.isNewline || $0 == "\u{0}" }) {
            out.append("email.username must be 1–254 characters on one line, without NUL")
        }
        if !MailAddress.isBare(e.from) { out.append("email.from must be one e-mail address") }
        if e.to.isEmpty || e.to.count > 50 { out.append("email.to must list 1–50 addresses") }
        for address in e.to where !MailAddress.isBare(address) { out.append("email.to holds '\(address.prefix(60))', which is not an e-mail address") }
        if let pem = e.caCertificate {
            if pem.unicodeScalars.count > 20_000 || (try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))?.isEmpty ?? true {
                out.append("email.caCertificate must be PEM certificates (at most 20,000 characters)")
            }
        }
        return out
    }

    /// A channel from `input` over `base` (nil: a new one); throws with every problem at once.
    func channel(_ input: ChannelInput, over base: NotificationChannel?) throws -> NotificationChannel {
        var problems: [String] = []
        let now = deps.now()
        guard let kind = input.kind ?? base?.kind else { throw Self.invalid(["kind is required: webhook, slack, teams or email"], what: "channel") }
        if let old = base?.kind, old != kind { problems.append("kind cannot change (it is \(old.rawValue)); create another channel") }
        let name = (input.name ?? base?.name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.unicodeScalars.count > 100 || !Self.isShownOneLine(name) {
            problems.append("name must be 1–100 characters on one line, without control characters or text-direction overrides")
        }
        var secrets = base?.secrets ?? ChannelSecrets()
        var email = base?.email
        switch kind {
        case .webhook, .slack, .teams:
            if let url = input.url { secrets.url = url }
            if let url = secrets.url { problems += Self.urlProblems(url) } else { problems.append("url is required for a \(kind.rawValue) channel") }
            if input.email != nil { problems.append("email settings are for email channels only") }
            if kind == .webhook, secrets.signingSecret == nil { secrets.signingSecret = StandardWebhooks.newSecret() }
        case .email:
            if input.url != nil { problems.append("url is not used by an email channel (give email settings)") }
            if let settings = input.email {
                // The stored password was given for one relay and user: a change of host, port,
                // security, user name or certificate needs it again (it is never sent elsewhere).
                if let old = email, old.host != settings.host || old.port != settings.port || old.security != settings.security
                    || old.username != settings.username || (settings.caCertificate != nil && settings.caCertificate != old.caCertificate), input.password == nil {
                    secrets.password = nil
                }
                // A certificate left out of a change keeps the stored one.
                var next = settings
                // Left out: the stored certificate stays; an empty one removes it.
                if next.caCertificate == nil, let old = email?.caCertificate { next.caCertificate = old }
                if next.caCertificate?.isEmpty == true { next.caCertificate = nil }
                email = next
            }
            if let email { problems += Self.emailProblems(email) } else { problems.append("email settings (host, port, security, from, to) are required") }
            if let password = input.password {
                // A NUL would move the split AUTH PLAIN makes between user name and password.
                if password.unicodeScalars.count > 1000 || password.contains(where: { $0.isNewline || $0 == "\u{0}" }) {
                    problems.append("password must be at most 1000 characters on one line, without NUL")
                }
                secrets.password = password.isEmpty ? nil : password
            }
            if email?.username != nil, secrets.password == nil {
                problems.append(base?.email == nil ? "a password is required with email.username"
                                                   : "a password is required with email.username (give it again when the host, port, security, user name or certificate changes)")
            }
        }
        if let policies = input.policies, policies.count > 500 || policies.contains(where: { $0.isEmpty || $0.unicodeScalars.count > DetectionPolicy.Limits.idLength }) {
            problems.append("policies must list at most 500 policy ids")
        }
        guard problems.isEmpty else { throw Self.invalid(problems, what: "channel") }
        return NotificationChannel(id: base?.id ?? UUID().uuidString.lowercased(), name: name, kind: kind, enabled: input.enabled ?? base?.enabled ?? true,
                                   minSeverity: input.minSeverity ?? base?.minSeverity ?? .low,
                                   policies: input.policies.map { $0.isEmpty ? nil : $0 } ?? base?.policies, email: email,
                                   secrets: secrets, createdAt: base?.createdAt ?? now, updatedAt: now)
    }

    func createChannel(_ input: ChannelInput, by: String) async throws -> NotificationChannel {
        let channel = try channel(input, over: nil)
        try await deps.stores.notifications.save(channel)
        try await deps.auth.audit(actor: by, action: "channel.create", target: channel.id, detail: "\(channel.kind.rawValue) \(channel.name)", at: deps.now())
        return channel
    }

    func updateChannel(id: String, _ input: ChannelInput, by: String) async throws -> NotificationChannel {
        guard let base = try await deps.stores.notifications.channel(id: id) else { throw APIError.notFound("Channel \(id)") }
        let channel = try channel(input, over: base)
        try await deps.stores.notifications.save(channel)
        try await deps.auth.audit(actor: by, action: "channel.update", target: id, detail: "\(channel.enabled ? "enabled" : "disabled")", at: deps.now())
        return channel
    }

    func deleteChannel(id: String, by: String) async throws {
        guard try await deps.stores.notifications.deleteChannel(id: id) else { throw APIError.notFound("Channel \(id)") }
        try await deps.auth.audit(actor: by, action: "channel.delete", target: id, detail: nil, at: deps.now())
    }

    /// Queues a test message (sent even while the channel is disabled); returns its delivery.
    func test(channelID: String, by: String) async throws -> OutboxItem {
        guard let channel = try await deps.stores.notifications.channel(id: channelID) else { throw APIError.notFound("Channel \(channelID)") }
        let now = deps.now()
        let items = try await deps.stores.notifications.enqueue([OutboxDraft(channelID: channel.id, event: "channel.test",
                                                                             payload: NotificationMessage.channelTest(channel, by: by, at: now))],
                                                                alertID: nil, at: now)
        // A test sends to the receiver at once: who asked is kept, as for every admin action.
        try await deps.auth.audit(actor: by, action: "channel.test", target: channel.id, detail: "\(channel.kind.rawValue) \(channel.name)", at: now)
        deps.outboxSignal.poke()
        return items[0]
    }
}
