import AsyncHTTPClient
import Foundation
import Logging
import SSPMCore

/// A SaaS source OpenSSPM can connect to (Zoom is the first). The sync engine, the connector
/// service, the webhook intake, the API and the web UI speak only to this protocol; a provider's
/// own module holds its client, its rules and its mapping to the core's types.
///
/// Adding a provider: implement `Provider` and `ProviderSession` in its own module and add one line
/// to the registry the server is built with (`StandardProviders`). See docs/ARCHITECTURE.md.
public protocol Provider: Sendable {
    /// Stored in `connectors.provider` and used in paths (`/webhooks/{kind}/{connectorId}`):
    /// lower-case letters, digits and `-`.
    var kind: String { get }
    /// The vendor's name as people write it ("Zoom").
    var displayName: String { get }
    /// Its controls, categories, frameworks and data sources.
    var catalogue: RuleCatalogue { get }
    /// The detection templates over this provider's activity (stored as policies at first start;
    /// the gallery shows them).
    var detectionTemplates: [DetectionPolicy] { get }
    /// What an administrator fills in to connect an account, in order (the web form is built from it).
    var connectionFields: [ConnectionField] { get }
    /// What to do at the vendor before filling them in (the web form's first paragraph).
    var connectionGuide: String { get }

    /// Checks what an administrator sent and splits it into settings (stored as JSON, shown) and
    /// credentials (sealed, never shown). Throws `ConnectionInputError` listing every problem.
    func prepare(_ input: ConnectionInput, context: ProviderContext) throws -> PreparedConnection
    /// Applies a credential change (e.g. a rotated secret) to the stored credentials; only the
    /// fields present in `input` change. Throws `ConnectionInputError`.
    func rotate(_ credentials: ProviderCredentials, with input: ConnectionInput) throws -> ProviderCredentials
    /// A session against one connected account (its own token cache and pacing). Throws when the
    /// settings name a host this server does not allow; nothing is sent then.
    func open(settings: JSONValue, credentials: ProviderCredentials, context: ProviderContext) throws -> any ProviderSession
    /// What the connector shows of its settings (API `settings`, the web page), never a secret.
    func publicSettings(_ settings: JSONValue, credentials: ProviderCredentials?) -> [(key: String, label: String, value: JSONValue)]
    /// The account's identifier at the vendor (OCSF `cloud.account.uid`, the connectors list).
    func accountLabel(_ settings: JSONValue) -> String
    /// The refusal (409) for "this app is already connected" (`PreparedConnection.uniqueKey` taken).
    func duplicate(uniqueKey: String) -> ProviderRefusal

    /// How its directory's codes read (`InventoryUser.type`, `InventoryUser.loginTypes`).
    func userTypeName(_ code: Int) -> String
    func signInMethodName(_ code: Int) -> String
    /// The sign-in method that means single sign-on, if the directory says.
    var singleSignOnMethod: Int? { get }

    /// The version of its activity mapping; raise it when the mapping changes, and stored rows
    /// mapped by an older one are re-mapped from their payload (`remap`).
    var activityMappingVersion: Int { get }
    /// The normalised event of a stored record (`payload` as stored: a report row's JSON or a
    /// webhook's body); nil when it cannot be mapped. Identity, time and correlation stay as stored.
    func remap(stream: String, source: String, payload: Data) -> ActivityEvent?

    /// Verifies one webhook request on its raw bytes and decodes it. Must not throw: every refusal
    /// is an answer with a status the vendor understands.
    func webhook(_ request: WebhookRequest, credentials: ProviderCredentials) async -> WebhookVerdict

    /// Its part in pairing: a connector of a provider that `reads` directories can be paired with
    /// one of a provider that `provides` one, whose directory its posture read then uses.
    var directoryRole: DirectoryRole { get }
    /// Whether its connectors take webhooks (the connector page shows the endpoint then).
    var takesWebhooks: Bool { get }
}

/// A provider's part in pairing connectors (Zoom reads the Microsoft 365 directory Graph provides).
public enum DirectoryRole: String, Sendable {
    case none, reads, provides
}

/// One field of the connection form.
public struct ConnectionField: Sendable {
    public var name: String
    public var label: String
    public var help: String
    /// Sealed, never shown again (`password` input).
    public var secret: Bool
    public var required: Bool
    /// Shown under "advanced" (other hosts, plan…).
    public var advanced: Bool
    /// Allowed values with their labels, when it is a choice (the first is the default).
    public var choices: [(value: String, label: String)]
    /// An example shown in the empty field.
    public var placeholder: String
    public init(name: String, label: String, help: String, secret: Bool = false, required: Bool = true, advanced: Bool = false,
                choices: [(value: String, label: String)] = [], placeholder: String = "") {
        self.placeholder = placeholder
        self.name = name
        self.label = label
        self.help = help
        self.secret = secret
        self.required = required
        self.advanced = advanced
        self.choices = choices
    }
}

/// What was sent to connect (or reconnect): field name → text, as the API's JSON or the web form gave them.
public struct ConnectionInput: Sendable {
    public var fields: [String: String]
    public init(fields: [String: String]) { self.fields = fields }
    public subscript(_ name: String) -> String? { fields[name] }
}

public struct PreparedConnection: Sendable {
    public var settings: JSONValue
    public var credentials: ProviderCredentials
    /// "The same app twice" for this provider (Zoom: the client ID); unique per provider.
    public var uniqueKey: String?
    /// For the audit log ("account X, client Y"), no secret.
    public var summary: String
    public init(settings: JSONValue, credentials: ProviderCredentials, uniqueKey: String?, summary: String) {
        self.settings = settings
        self.credentials = credentials
        self.uniqueKey = uniqueKey
        self.summary = summary
    }
}

public struct ConnectionInputError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "; ") }
}

/// A provider's credentials (sealed by the store as one blob).
public typealias ProviderCredentials = ConnectorCredentials

/// What a provider is given to reach its vendor.
public struct ProviderContext: Sendable {
    public var http: HTTPClient
    public var logger: Logger
    public var now: @Sendable () -> Date
    /// Hosts besides the vendor's own that connectors may name (`--allowed-hosts`); nil: any.
    public var allowedHosts: [String]?
    /// Every provider's catalogue in this server: a directory provider's validation names the
    /// controls of the connectors it serves that a failing source disables (its own has none).
    public var catalogues: [RuleCatalogue]
    public init(http: HTTPClient, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }, allowedHosts: [String]? = nil,
                catalogues: [RuleCatalogue] = []) {
        self.http = http
        self.logger = logger
        self.now = now
        self.allowedHosts = allowedHosts
        self.catalogues = catalogues
    }
}

/// A provider refused to open a session or take input: an HTTP status, a stable code and words.
public struct ProviderRefusal: Error, CustomStringConvertible, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var fix: String?
    public init(status: Int, code: String, message: String, fix: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.fix = fix
    }
    public var description: String { message + (fix.map { " " + $0 } ?? "") }
}

/// A stream of activity a provider can pull (e.g. Zoom's sign-in report).
public struct ActivityStreamInfo: Sendable, Hashable {
    /// Stored as the event's `stream` and the checkpoint's key (`signin`).
    public var id: String
    /// The data source whose health gates it.
    public var source: DataSource
    public init(id: String, source: DataSource) {
        self.id = id
        self.source = source
    }
}

/// Requests a session made, for progress, metrics and benchmarks.
public struct SessionStats: Sendable, Equatable {
    public var requests = 0
    public var rateLimitWaits = 0
    public var rateLimited = 0
    /// Requests by the vendor's rate-limit category.
    public var byCategory: [String: Int] = [:]
    /// 429s by category.
    public var rateLimitedByCategory: [String: Int] = [:]
    /// Requests by endpoint (`GET /users`), so a reader sees what each costs.
    public var byOperation: [String: Int] = [:]
    public init() {}

    /// Adds another session's requests (a paired connector's, read in the same sync); its
    /// categories and operations are prefixed (`m365 GET /users`) so the two stay apart.
    public mutating func add(_ other: SessionStats, prefix: String) {
        requests += other.requests
        rateLimitWaits += other.rateLimitWaits
        rateLimited += other.rateLimited
        for (key, count) in other.byCategory { byCategory[prefix + " " + key, default: 0] += count }
        for (key, count) in other.rateLimitedByCategory { rateLimitedByCategory[prefix + " " + key, default: 0] += count }
        for (key, count) in other.byOperation { byOperation[prefix + " " + key, default: 0] += count }
    }
}

/// One connected account.
public protocol ProviderSession: Sendable {
    /// Token, scopes, one cheap request per data source.
    func validate(now: Date) async -> ConnectionReport
    /// The activity streams it can pull (their order is the pull order).
    var streams: [ActivityStreamInfo] { get }
    /// Events of `stream` in [from, to], normalised. Throws `ProviderError` when the vendor refuses.
    func pull(_ stream: ActivityStreamInfo, from: Date, to: Date) async throws -> [ActivityEvent]
    /// Reads the posture (everything but the activity streams).
    func readPosture(accountName: String, at: Date) async -> PostureReading
    func stats() async -> SessionStats
    /// The identity directory, for the connectors paired with this one (providers whose role is
    /// `provides`); nil from the others.
    func readDirectory(at: Date) async -> DirectorySnapshot?
    /// "The same app twice" once the connection works (after `validate`): `prepared` is the key
    /// `Provider.prepare` made from the fields as typed; a provider whose accounts have several
    /// names (a Microsoft 365 tenant: its id or any of its domains) returns the key by the one name
    /// that does not change. The default keeps `prepared`. Throws a `ProviderRefusal` when that name
    /// cannot be found (the connector is not saved: its duplicate could not be ruled out).
    func uniqueKey(prepared: String?) async throws -> String?
}

extension ProviderSession {
    public func readDirectory(at: Date) async -> DirectorySnapshot? { nil }
    public func uniqueKey(prepared: String?) async throws -> String? { prepared }
}

/// What scoring a posture read takes besides the read itself.
public struct PostureInputs: Sendable {
    public var baseline: Baseline
    public var states: [ControlStateRecord]
    /// The stored events per stream over the posture window (streams not synced this run are absent).
    public var streamRows: [String: Int]
    public var now: Date
    /// The paired connector's directory (nil: none is paired).
    public var directory: DirectorySnapshot?
    public init(baseline: Baseline, states: [ControlStateRecord] = [], streamRows: [String: Int] = [:], now: Date, directory: DirectorySnapshot? = nil) {
        self.baseline = baseline
        self.states = states
        self.streamRows = streamRows
        self.now = now
        self.directory = directory
    }
}

/// A refusal of the vendor that the sync reports per stream and goes on.
public struct ProviderError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A posture read: what it found, ready to be scored once the activity counts are known.
public struct PostureReading: Sendable {
    /// Scores the snapshot.
    public var evaluate: @Sendable (PostureInputs) -> ScanResult
    /// The directory's users, when they could be read.
    public var inventory: [InventoryUser]?
    /// Data sources that failed, in words.
    public var problems: [String]
    /// Items read (users), for progress.
    public var items: Int
    public init(evaluate: @escaping @Sendable (PostureInputs) -> ScanResult, inventory: [InventoryUser]?,
                problems: [String], items: Int) {
        self.evaluate = evaluate
        self.inventory = inventory
        self.problems = problems
        self.items = items
    }
}

/// One webhook request as received.
public struct WebhookRequest: Sendable {
    public var connectorID: String
    public var body: Data
    /// Lower-cased names.
    public var headers: [String: String]
    public var now: Date
    /// How far a signed timestamp may be from now.
    public var tolerance: TimeInterval
    public init(connectorID: String, body: Data, headers: [String: String], now: Date, tolerance: TimeInterval) {
        self.connectorID = connectorID
        self.body = body
        self.headers = headers
        self.now = now
        self.tolerance = tolerance
    }
}

public enum WebhookVerdict: Sendable {
    /// Answer 200 with this JSON (an endpoint-validation challenge).
    case reply(Data)
    /// Verified: store these (then answer); `postureChanged` asks for a posture re-read.
    case events([ActivityEvent], postureChanged: Bool, name: String)
    /// Refuse; `reason` is for the log and the answer, never a secret.
    case rejected(status: Int, code: String, reason: String)
    /// The connector has no webhook secret yet.
    case notConfigured(String)
}

/// The one HTTP client configuration for calls to providers (and their token endpoints): redirects
/// are never followed, so a reply comes from the host the connector names (which the allow-list
/// checked), not from wherever that host points. `sspm serve`, the demo and the tests build their
/// client with it.
public enum ProviderHTTP {
    public static var configuration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return configuration
    }
}

extension Provider {
    public var directoryRole: DirectoryRole { .none }
    public var takesWebhooks: Bool { true }
    /// A provider without detection templates offers none (its events can still be matched by
    /// policies people write).
    public var detectionTemplates: [DetectionPolicy] { [] }
}
