import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SSPMCore
import SSPMProvider

/// A provider that exists only in the tests, for a made-up SaaS ("Acme") served by `AcmeSource`.
/// It proves the seam: it is added to the registry the test server is built with and uses nothing
/// but `SSPMCore` and `SSPMProvider` — no file outside this folder knows it.
struct AcmeProvider: Provider {
    var kind: String { "acme" }
    var displayName: String { "Acme" }
    var catalogue: RuleCatalogue { Self.rules.catalogue }
    var activityMappingVersion: Int { 1 }
    func userTypeName(_ code: Int) -> String { "type \(code)" }
    func signInMethodName(_ code: Int) -> String { "method \(code)" }
    var singleSignOnMethod: Int? { nil }

    var connectionFields: [ConnectionField] {
        [ConnectionField(name: "tenant", label: "Tenant", help: "The Acme tenant's name."),
         ConnectionField(name: "apiKey", label: "API key", help: "", secret: true),
         ConnectionField(name: "apiUrl", label: "API URL", help: "", placeholder: "https://api.acme.example"),
         ConnectionField(name: "webhookSecret", label: "Webhook secret", help: "", secret: true, required: false)]
    }
    var connectionGuide: String { "Create an API key with settings:read and audit:read in Acme's admin console." }

    func prepare(_ input: ConnectionInput, context: ProviderContext) throws -> PreparedConnection {
        let problems = ["tenant", "apiKey", "apiUrl"].filter { (input[$0] ?? "").isEmpty }.map { "\($0) is empty" }
        guard problems.isEmpty, let tenant = input["tenant"], let url = input["apiUrl"], let key = input["apiKey"] else { throw ConnectionInputError(problems) }
        var credentials = ProviderCredentials(["api_key": key])
        credentials["webhook_secret"] = input["webhookSecret"]
        return PreparedConnection(settings: ["tenant": .string(tenant), "api_url": .string(url)], credentials: credentials, uniqueKey: tenant,
                                  summary: "tenant \(tenant)")
    }

    func rotate(_ credentials: ProviderCredentials, with input: ConnectionInput) throws -> ProviderCredentials {
        var updated = credentials
        if let key = input["apiKey"] { updated["api_key"] = key }
        if let secret = input["webhookSecret"] { updated["webhook_secret"] = secret }
        return updated
    }

    func open(settings: JSONValue, credentials: ProviderCredentials, context: ProviderContext) throws -> any ProviderSession {
        AcmeSession(http: context.http, base: settings["api_url"]?.stringValue ?? "", tenant: settings["tenant"]?.stringValue ?? "",
                    key: credentials["api_key"] ?? "", requests: Counter())
    }

    func publicSettings(_ settings: JSONValue, credentials: ProviderCredentials?) -> [(key: String, label: String, value: JSONValue)] {
        [("tenant", "Tenant", settings["tenant"] ?? .null), ("apiUrl", "API URL", settings["api_url"] ?? .null)]
    }
    func accountLabel(_ settings: JSONValue) -> String { settings["tenant"]?.stringValue ?? "" }
    func duplicate(uniqueKey: String) -> ProviderRefusal {
        ProviderRefusal(status: 409, code: "duplicate_tenant", message: "Acme tenant \(uniqueKey) is already connected.")
    }

    func remap(stream: String, source: String, payload: Data) -> ActivityEvent? {
        (try? JSONDecoder().decode(JSONValue.self, from: payload)).map { Self.event($0, stream: stream) }
    }

    /// `x-acme-signature: hex(HMAC-SHA256(secret, body))`; a body of `{"id","time","user","action"}`.
    func webhook(_ request: WebhookRequest, credentials: ProviderCredentials) async -> WebhookVerdict {
        guard let secret = credentials["webhook_secret"] else { return .notConfigured("No webhook secret: reconnect with webhookSecret.") }
        let mac = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Data(secret.utf8)))
        guard request.headers["x-acme-signature"] == FastFormats.hex(mac) else { return .rejected(status: 401, code: "bad_signature", reason: "signature does not match") }
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: request.body) else { return .rejected(status: 400, code: "bad_event", reason: "not JSON") }
        let event = Self.event(body, stream: "webhook")
        return .events([event], postureChanged: event.action?.hasPrefix("settings") == true, name: event.action ?? "")
    }

    static func event(_ record: JSONValue, stream: String) -> ActivityEvent {
        ActivityEvent(provider: "acme", stream: stream, category: "audit", action: record["action"]?.stringValue, actor: record["user"]?.stringValue ?? "",
                      outcome: record["ok"]?.boolValue == false ? .failure : .success, ipAddress: record["ip"]?.stringValue,
                      occurredAt: FastFormats.parseTime(record["time"]?.stringValue ?? "") ?? Date(timeIntervalSince1970: 0),
                      fingerprint: ActivityFingerprint.make(kind: "acme", record), raw: record)
    }

    // MARK: Rules

    struct Snapshot: PostureSubject {
        var accountID: String
        var accountName: String
        var unavailable: [DataSource: String] = [:]
        var settings: JSONValue?
        var auditRows: Int?
    }

    static let rules = RuleSet<Snapshot>(
        catalogue: RuleCatalogue(provider: "acme", vendor: "Acme", vendorCompany: "Acme Corp", portalURL: "https://admin.acme.example",
                                 categories: ["Acme security"], frameworks: [.nist],
                                 dataSources: [DataSourceInfo("settings", scopes: ["settings:read"]), DataSourceInfo("audit", scopes: ["audit:read"])],
                                 controls: [], grantAdvice: "the Acme API key"),
        controls: [
            Control(metadata("ACM-01", "Require MFA for every Acme user", .high, sources: ["settings"])) { s, _ in
                guard let mfa = s.settings?["mfa"]?.boolValue else { return Evaluation(.error, "settings not read") }
                return mfa ? Evaluation(.pass, "MFA is required.") : Evaluation(.fail, "MFA is off.")
            },
            Control(metadata("ACM-02", "Keep an audit trail", .medium, sources: ["audit"])) { s, _ in
                guard let rows = s.auditRows else { return Evaluation(.error, "audit not read") }
                return rows > 0 ? Evaluation(.pass, "\(rows) audit events in 7 days.") : Evaluation(.warn, "No audit events in 7 days.")
            },
        ])

    static func metadata(_ id: String, _ title: String, _ severity: Severity, sources: [DataSource]) -> ControlMetadata {
        ControlMetadata(id: id, version: 1, title: title, rationale: "Test control.", remediation: "Fix it in Acme.", portalPath: "Admin → Security",
                        severity: severity, maxScore: 5, category: "Acme security", threats: [], userImpact: .low, implementationCost: .low,
                        scoring: .binary, dataSources: sources, fieldsRead: [], mappings: FrameworkMappings(nist: ["IA-2"]), requiredScopes: [])
    }
}

actor Counter {
    var value = 0
    func add() { value += 1 }
}

struct AcmeSession: ProviderSession {
    let http: HTTPClient
    let base: String
    let tenant: String
    let key: String
    let requests: Counter

    var streams: [ActivityStreamInfo] { [ActivityStreamInfo(id: "audit", source: "audit")] }

    func get(_ path: String) async throws -> (Int, JSONValue) {
        await requests.add()
        var request = HTTPClientRequest(url: base + path)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null)
    }

    func validate(now: Date) async -> ConnectionReport {
        let catalogue = AcmeProvider.rules.catalogue
        guard let (status, _) = try? await get("/me"), status == 200 else {
            return ConnectionReport(status: .error, headline: "Acme refused the API key.", fix: "Create a new key.", grantedScopes: [],
                                    sources: [SourceHealth(source: "settings", ok: false, reason: "no access"), SourceHealth(source: "audit", ok: false, reason: "no access")],
                                    checkedAt: now, catalogue: catalogue)
        }
        return ConnectionReport.assess(sources: [SourceHealth(source: "settings", ok: true), SourceHealth(source: "audit", ok: true)],
                                       grantedScopes: ["settings:read", "audit:read"], checkedAt: now, catalogue: catalogue)
    }

    func pull(_ stream: ActivityStreamInfo, from: Date, to: Date) async throws -> [ActivityEvent] {
        let (status, body) = try await get("/audit")
        guard status == 200 else { throw ProviderError("audit: HTTP \(status)") }
        return (body.arrayValue ?? []).map { AcmeProvider.event($0, stream: stream.id) }
    }

    func readPosture(accountName: String, at: Date) async -> PostureReading {
        let settings = try? await get("/settings")
        let snapshot = AcmeProvider.Snapshot(accountID: tenant, accountName: accountName, settings: settings?.0 == 200 ? settings?.1 : nil)
        return PostureReading(evaluate: { inputs in
            var s = snapshot
            s.auditRows = inputs.streamRows["audit"]
            return AcmeProvider.rules.scan(s, baseline: inputs.baseline, states: inputs.states, now: inputs.now)
        }, inventory: nil, problems: [], items: 1)
    }

    func stats() async -> SessionStats {
        var stats = SessionStats()
        stats.requests = await requests.value
        stats.byCategory = ["api": stats.requests]
        return stats
    }
}
