import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SSPMCore
import SSPMReports
import SSPMStorage

/// The REST API (docs/openapi.yaml), the webhook endpoint and the operational endpoints.
struct APIRoutes: Sendable {
    let deps: ServerDependencies
    let auth: AuthService
    let connectors: ConnectorService
    let posture: PostureService
    let intake: WebhookIntake
    let ready: ReadinessFlag

    var all: [RouteSpec] {
        [
            RouteSpec(method: .get, path: "/healthz", access: .open, handler: { _, _ in JSONResponse.make(["status": "ok"]) }),
            RouteSpec(method: .get, path: "/readyz", access: .open, handler: readyz),
            RouteSpec(method: .get, path: "/metrics", access: .open, handler: metrics),
            RouteSpec(method: .get, path: "/openapi.yaml", access: .open, handler: { _, _ in JSONResponse.text(OpenAPIDocument.yaml, contentType: "application/yaml; charset=utf-8") }),
            RouteSpec(method: .post, path: "/webhooks/{provider}/{connectorId}", access: .open, handler: webhook),

            RouteSpec(method: .get, path: "/api/v1/setup", access: .open, handler: setupStatus),
            RouteSpec(method: .post, path: "/api/v1/setup", access: .open, handler: setup),
            RouteSpec(method: .post, path: "/api/v1/auth/login", access: .open, handler: login),
            RouteSpec(method: .post, path: "/api/v1/auth/logout", access: .signedIn, handler: logout),
            RouteSpec(method: .get, path: "/api/v1/auth/me", access: .signedIn, handler: me),
            RouteSpec(method: .get, path: "/api/v1/operators", access: .signedIn, handler: listOperators),
            RouteSpec(method: .post, path: "/api/v1/operators", access: .admin, handler: createOperator),
            RouteSpec(method: .delete, path: "/api/v1/operators/{operatorId}", access: .admin, handler: deleteOperator),
            RouteSpec(method: .get, path: "/api/v1/tokens", access: .signedIn, handler: listTokens),
            RouteSpec(method: .post, path: "/api/v1/tokens", access: .admin, handler: createToken),
            RouteSpec(method: .delete, path: "/api/v1/tokens/{tokenId}", access: .admin, handler: revokeToken),
            RouteSpec(method: .get, path: "/api/v1/audit", access: .admin, handler: audit),
            RouteSpec(method: .get, path: "/api/v1/controls", access: .signedIn, handler: controls),

            RouteSpec(method: .get, path: "/api/v1/connectors", access: .signedIn, handler: listConnectors),
            RouteSpec(method: .post, path: "/api/v1/connectors", access: .admin, handler: createConnector),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}", access: .signedIn, handler: getConnector),
            RouteSpec(method: .delete, path: "/api/v1/connectors/{connectorId}", access: .admin, handler: deleteConnector),
            RouteSpec(method: .post, path: "/api/v1/connectors/{connectorId}/validate", access: .admin, handler: validateConnector),
            RouteSpec(method: .post, path: "/api/v1/connectors/{connectorId}/disconnect", access: .admin, handler: disconnect),
            RouteSpec(method: .post, path: "/api/v1/connectors/{connectorId}/reconnect", access: .admin, handler: reconnect),
            RouteSpec(method: .post, path: "/api/v1/connectors/{connectorId}/sync", access: .admin, handler: syncNow),
            RouteSpec(method: .put, path: "/api/v1/connectors/{connectorId}/pairing", access: .admin, handler: pair),
            RouteSpec(method: .delete, path: "/api/v1/connectors/{connectorId}/pairing", access: .admin, handler: unpair),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/progress", access: .signedIn, handler: progress),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/events", access: .signedIn, handler: events),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/score", access: .signedIn, handler: score),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/score/history", access: .signedIn, handler: scoreHistory),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/recommendations", access: .signedIn, handler: recommendations),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/recommendations/{controlId}", access: .signedIn, handler: recommendation),
            RouteSpec(method: .put, path: "/api/v1/connectors/{connectorId}/recommendations/{controlId}/state", access: .admin, handler: setState),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/state-changes", access: .signedIn, handler: stateChanges),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/users", access: .signedIn, handler: users),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/activities", access: .signedIn, handler: activities),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/scans", access: .signedIn, handler: scans),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/scans/{scanId}", access: .signedIn, handler: scan),
            RouteSpec(method: .get, path: "/api/v1/connectors/{connectorId}/scans/{scanId}/diff", access: .signedIn, handler: scanDiff),
        ] + detectionRoutes
    }

    // MARK: operations

    func readyz(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        guard await ready.value else {
            return JSONResponse.make(["status": "starting"], status: .serviceUnavailable)
        }
        do {
            _ = try await deps.jobs.queueDepth(now: deps.now())
            return JSONResponse.make(["status": "ready"])
        } catch {
            // Unauthenticated: says what is wrong, not where the database is (the log has that).
            deps.logger.warning("Readiness check cannot reach the database", metadata: ["database": "\(deps.stores.location)"])
            return JSONResponse.make(["status": "database unavailable"], status: .serviceUnavailable)
        }
    }

    func metrics(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        if let depth = try? await deps.jobs.queueDepth(now: deps.now()) {
            deps.metrics.queueDue.set(Double(depth.due))
            deps.metrics.queueLeased.set(Double(depth.leased))
        }
        if let states = try? await deps.stores.notifications.stateCounts() {
            deps.metrics.outboxPending.set(Double((states[.pending] ?? 0) + (states[.sending] ?? 0)))
            deps.metrics.outboxDead.set(Double(states[.dead] ?? 0))
        }
        return JSONResponse.text(deps.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    func webhook(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let provider = try context.require("provider")
        let data = try await Body.data(request)
        switch await intake.handle(provider: provider, connectorID: id, body: data, headers: request.headerDictionary) {
        case .challenge(let body):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        case .stored:
            return Response(status: .noContent)
        case .rejected(let status, let code, let message):
            throw APIError(HTTPResponse.Status(code: status), code, message)
        }
    }

    // MARK: auth

    struct Credentials: Codable { var email: String; var password: String }

    func setupStatus(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(["setupRequired": try await deps.auth.operatorCount() == 0])
    }

    func setup(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(Credentials.self, request)
        let op = try await auth.setup(email: body.email, password: body.password)
        return try await sessionResponse(op: op, password: body.password, client: auth.client(of: request, context), status: .created)
    }

    func sessionResponse(op: Operator, password: String, client: String, status: HTTPResponse.Status) async throws -> Response {
        let (op, token, csrf) = try await auth.login(email: op.email, password: password, client: client)
        var response = JSONResponse.make(LoginResponse(operator: op, csrfToken: csrf, expiresInSeconds: Int(deps.configuration.sessionLifetime)), status: status)
        response.headers[.setCookie] = Cookies.set(Cookies.session, token, maxAge: Int(deps.configuration.sessionLifetime), secure: deps.configuration.secureCookies)
        return response
    }

    struct LoginResponse: Codable { var `operator`: Operator; var csrfToken: String; var expiresInSeconds: Int }

    func login(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(Credentials.self, request)
        let (op, token, csrf) = try await auth.login(email: body.email, password: body.password, client: auth.client(of: request, context))
        var response = JSONResponse.make(LoginResponse(operator: op, csrfToken: csrf, expiresInSeconds: Int(deps.configuration.sessionLifetime)))
        response.headers[.setCookie] = Cookies.set(Cookies.session, token, maxAge: Int(deps.configuration.sessionLifetime), secure: deps.configuration.secureCookies)
        return response
    }

    func logout(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        if let cookie = Cookies.value(Cookies.session, in: request) { try await deps.auth.deleteSession(tokenHash: tokenDigest(cookie)) }
        var response = Response(status: .noContent)
        response.headers[.setCookie] = Cookies.set(Cookies.session, "", maxAge: 0, secure: deps.configuration.secureCookies)
        return response
    }

    func me(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let p = try context.caller
        return JSONResponse.make(MeResponse(id: p.operatorID, email: p.email, role: p.role, via: p.via.rawValue, csrfToken: p.csrf))
    }

    struct MeResponse: Codable { var id: String; var email: String; var role: String; var via: String; var csrfToken: String? }

    struct NewOperator: Codable { var email: String; var password: String; var role: String }

    func listOperators(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(["items": try await deps.auth.operators()])
    }

    func createOperator(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(NewOperator.self, request)
        return JSONResponse.make(try await auth.createOperator(email: body.email, password: body.password, role: body.role, by: try context.caller), status: .created)
    }

    func deleteOperator(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        try await auth.removeOperator(id: try context.require("operatorId"), by: try context.caller)
        return Response(status: .noContent)
    }

    struct NewToken: Codable { var name: String; var role: String? }
    struct CreatedToken: Codable { var token: APITokenRecord; var secret: String; var note: String }

    func listTokens(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(["items": try await deps.auth.tokens()])
    }

    func createToken(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(NewToken.self, request)
        let caller = try context.caller
        let role = body.role ?? "viewer"
        guard role == "admin" || role == "viewer" else { throw APIError.badRequest("Unknown role '\(role)'.", fix: "Use admin or viewer.") }
        guard !isBlank(body.name) else { throw APIError.badRequest("The token needs a name (what uses it, e.g. 'SIEM export').") }
        guard body.name.unicodeScalars.count <= 200 else { throw APIError.badRequest("The token's name is longer than 200 characters.", fix: "Shorten it: it says what uses the token, e.g. 'SIEM export'.") }
        let secret = randomToken(prefix: "sspm_")
        let token = APITokenRecord(id: UUID().uuidString.lowercased(), name: body.name, operatorID: caller.operatorID, role: role, createdAt: deps.now())
        do { try await deps.auth.createToken(token, tokenHash: tokenDigest(secret)) } catch {
            // The caller's account was deleted while the request ran (the token's owner is gone):
            // that is the caller's credentials no longer holding, not a server fault.
            if try await !deps.auth.operators().contains(where: { $0.id == caller.operatorID }) {
                throw APIError(.unauthorized, "unauthenticated", "Your account was removed while the token was being made; nothing was created.",
                               fix: "Ask an admin whether your account still exists.")
            }
            throw error
        }
        try await deps.auth.audit(actor: caller.actor, action: "token.create", target: token.id, detail: "\(body.name) (\(role))", at: deps.now())
        return JSONResponse.make(CreatedToken(token: token, secret: secret, note: "Shown once: only its SHA-256 is stored. Send it as 'Authorization: Bearer \(secret.prefix(9))…'."),
                                 status: .created)
    }

    func revokeToken(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let caller = try context.caller
        let id = try context.require("tokenId")
        guard try await deps.auth.revokeToken(id: id, at: deps.now()) else { throw APIError.notFound("Active token \(id)") }
        try await deps.auth.audit(actor: caller.actor, action: "token.revoke", target: id, detail: nil, at: deps.now())
        return Response(status: .noContent)
    }

    func audit(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        return JSONResponse.make(["items": try await deps.auth.auditLog(limit: try request.query.int("limit", default: 200, range: 1...5000))])
    }

    func controls(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(["items": deps.providers.controls])
    }

    // MARK: connectors

    func listConnectors(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        var items: [ConnectorView] = []
        for c in try await deps.connectors.list() { items.append(try await connectors.view(c)) }
        return JSONResponse.make(["items": items])
    }

    struct Created: Encodable { var connector: ConnectorView; var validation: ConnectionReport }

    func createConnector(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(CreateConnectorRequest.self, request)
        let (view, report) = try await connectors.create(body, by: try context.caller)
        var response = JSONResponse.make(Created(connector: view, validation: report), status: .created)
        response.headers[.location] = "/api/v1/connectors/\(view.id)"
        return response
    }

    func getConnector(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(try await connectors.view(try await connectors.connector(try context.require("connectorId"))))
    }

    func deleteConnector(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        try await connectors.delete(try await connectors.connector(try context.require("connectorId")), by: try context.caller)
        return Response(status: .noContent)
    }

    func validateConnector(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(try await connectors.validate(try await connectors.connector(try context.require("connectorId"))))
    }

    func disconnect(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        try await connectors.disconnect(try await connectors.connector(id), by: try context.caller)
        return JSONResponse.make(try await connectors.view(try await connectors.connector(id)))  // its new state
    }

    func reconnect(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let body = try await Body.json(request).map { try Body.decode(ReconnectRequest.self, data: $0) } ?? ReconnectRequest()
        let report = try await connectors.reconnect(try await connectors.connector(id), body, by: try context.caller)
        return JSONResponse.make(Created(connector: try await connectors.view(try await connectors.connector(id)), validation: report))  // its new state
    }

    func syncNow(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let posture = try request.query.bool("posture", default: true)
        try await connectors.syncNow(try await connectors.connector(id), posture: posture, by: try context.caller)
        return JSONResponse.make(["status": "queued", "progress": "/api/v1/connectors/\(id)/progress"], status: .accepted)
    }

    struct PairingRequest: Decodable {
        /// The directory connector to pair with (an id: at most 100 characters).
        var connectorId: String

        enum CodingKeys: String, CodingKey { case connectorId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            connectorId = try c.decode(String.self, forKey: .connectorId)
            if connectorId.unicodeScalars.count > 100 {
                throw APIError.badRequest("connectorId is longer than 100 characters: it is a connector's id.", fix: "Send the Microsoft 365 connector's id; nothing was changed.")
            }
        }
    }

    func pair(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let body = try await Body.decode(PairingRequest.self, request)
        try await connectors.pair(try await connectors.connector(id), with: body.connectorId, by: try context.caller)
        return JSONResponse.make(try await connectors.view(try await connectors.connector(id)))
    }

    func unpair(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        try await connectors.pair(try await connectors.connector(id), with: nil, by: try context.caller)
        return JSONResponse.make(try await connectors.view(try await connectors.connector(id)))
    }

    struct ProgressResponse: Codable {
        var connectorId: String
        var status: String
        var progress: SyncProgress?
        var nextActivitySyncAt: Date?
        var nextPostureSyncAt: Date?
        var leasedBy: String?
        var paused: Bool
        var recentRuns: [SyncRun]
    }

    func progress(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let c = try await connectors.connector(id)
        let job = try await deps.jobs.job(connectorID: id)
        let live = job?.leaseExpiresAt.map { $0 > deps.now() } ?? false
        return JSONResponse.make(ProgressResponse(
            connectorId: id, status: c.status, progress: try await deps.jobs.progress(connectorID: id), nextActivitySyncAt: job?.nextActivityAt,
            nextPostureSyncAt: job?.nextPostureAt, leasedBy: live ? job?.leaseOwner : nil, paused: job?.paused ?? true,
            recentRuns: try await deps.jobs.runs(connectorID: id, limit: try request.query.int("runs", default: 10, range: 1...200))))
    }

    func events(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        _ = try await connectors.connector(id)
        return JSONResponse.make(["items": try await deps.connectors.events(id: id, limit: try request.query.int("limit", default: 200, range: 1...1000))])
    }

    // MARK: posture

    /// The connector's current scan (today's control states applied), or 404 before the first one.
    func current(_ connector: ConnectorRecord) async throws -> ScanResult {
        guard let scan = try await posture.currentScan(connector) else { throw Self.noScan }
        return scan
    }

    static let noScan = APIError(.notFound, "no_scan", "This connector has not been scanned yet.",
                                 fix: "Wait for the first sync (GET …/progress) or start one with POST …/sync.")

    struct ScoreResponse: Codable {
        var connectorId: String
        var scannedAt: Date
        var score: ScoreSummary
        var categories: [String: ScoreSummary]
        var frameworks: [String: ScoreSummary]
        var verdictCounts: [String: Int]
        var unavailable: [String: String]
        var baseline: String
    }

    func score(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let r = try await current(try await connectors.connector(id))
        return JSONResponse.make(ScoreResponse(connectorId: id, scannedAt: r.scannedAt, score: r.score, categories: r.categories, frameworks: r.frameworks,
                                               verdictCounts: r.verdictCounts, unavailable: r.unavailable, baseline: "\(r.baseline.name) v\(r.baseline.version)"))
    }

    struct HistoryResponse: Codable { var daily: [DailyScore]; var scans: [ScanSummary] }

    func scoreHistory(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        _ = try await connectors.connector(id)
        let days = try request.query.int("days", default: 90, range: 1...3660)
        return JSONResponse.make(HistoryResponse(daily: try await deps.posture.daily(connectorID: id, days: days),
                                                 scans: Array(try await deps.scans.summaries(connectorID: id, limit: 100).reversed())))
    }

    func recommendations(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let q = request.query
        let products = try q.list("product", allowed: deps.providers.kinds)
        let categories = try q.list("category", allowed: deps.providers.providers.flatMap(\.catalogue.categories).map(\.rawValue))
        let severities = try q.list("severity", allowed: Severity.allCases.map(\.rawValue))
        let verdicts = try q.list("verdict", allowed: Verdict.allCases.map(\.rawValue))
        let states = try q.list("state", allowed: ControlState.allCases.map(\.rawValue))
        let sort = q.string("sort") ?? "pointsLeft"
        guard RecommendationSelection.sorts.contains(sort) else {
            throw APIError.badRequest("sort=\(sort.prefix(40)) is not known.", fix: "Use pointsLeft, severity, title or controlId.")
        }
        let selection = RecommendationSelection(products: products, categories: categories, severities: severities, verdicts: verdicts, states: states, sort: sort)
        guard let list = try await posture.recommendations(try await connectors.connector(id), selection) else { throw Self.noScan }
        return JSONResponse.make(list)
    }

    func recommendation(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let connector = try await connectors.connector(try context.require("connectorId"))
        let controlID = try context.require("controlId")
        return JSONResponse.make(try await posture.detail(controlID, of: connector, in: try await current(connector), historyLimit: 30))
    }

    /// PUT …/state's body.
    struct StateRequest: Codable {
        var state: String
        var rationale: String?
        var expiresAt: String?
    }

    func setState(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let controlID = try context.require("controlId")
        let body = try await Body.decode(StateRequest.self, request)
        let connector = try await connectors.connector(id)
        try await posture.setState(connector: connector, controlID: controlID, state: body.state, rationale: body.rationale, expires: body.expiresAt,
                                   by: try context.caller)
        let r = try await current(connector)
        guard let finding = r.findings.first(where: { $0.controlId == controlID }) else { throw APIError.notFound("Control \(controlID)") }
        return JSONResponse.make(["recommendation": try JSONValue(encoding: posture.recommendation(finding, of: connector)), "score": try JSONValue(encoding: r.score)])
    }

    func stateChanges(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        _ = try await connectors.connector(id)
        return JSONResponse.make(["items": try await deps.posture.stateChanges(connectorID: id, controlID: nil, limit: try request.query.int("limit", default: 500, range: 1...5000))])
    }

    struct UsersResponse: Codable { var capturedAt: Date?; var total: Int; var items: [InventoryUser] }

    func users(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        _ = try await connectors.connector(id)
        let q = request.query
        let search = q.string("q")
        let status = q.string("status")
        if let status, !["active", "inactive", "pending"].contains(status) {
            throw APIError.badRequest("status=\(status.prefix(40)) is not known.", fix: "Use active, inactive or pending.")
        }
        let role = q.string("role")
        let offset = try q.int("offset", default: 0, range: 0...10_000_000)
        let limit = try q.int("limit", default: 100, range: 1...1000)
        guard let inventory = try await deps.inventory.latest(connectorID: id) else {
            return JSONResponse.make(UsersResponse(capturedAt: nil, total: 0, items: []))
        }
        let matching = UserSelection(search: search, status: status, role: role).apply(to: inventory.users)
        return JSONResponse.make(UsersResponse(capturedAt: inventory.capturedAt, total: matching.count, items: Array(matching.dropFirst(offset).prefix(limit))))
    }

    /// One event of the activity log: `kind` is its stream, `user` its actor; the normalised
    /// fields (category, action, target, outcome, client, detail) and the record as received.
    struct ActivityItem: Codable {
        var time: Date
        var kind: String
        var user: String
        var ipAddress: String?
        var category: String?
        var action: String
        var target: String
        var outcome: String
        var client: String?
        var detail: String
        var fingerprint: String
        var raw: JSONValue
    }

    struct ActivityList: Codable { var items: [ActivityItem]; var nextCursor: String? }

    func activities(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let c = try await connectors.connector(id)
        let q = request.query
        let format = q.string("format") ?? "json"
        guard ["json", "csv", "ocsf"].contains(format) else { throw APIError.badRequest("format=\(format.prefix(20)) is not known.", fix: "Use json, csv or ocsf.") }
        var query = try q.activityQuery(connectorID: id, defaultLimit: format == "json" ? 100 : 5000)
        let page: ActivityPage
        do { page = try await deps.activities.query(query) } catch let error as InvalidCursor { throw APIError.badRequest(error.description) }
        query.cursor = page.nextCursor
        var extra: HTTPFields = [:]
        if let next = page.nextCursor { extra[HTTPField.Name("X-Next-Cursor")!] = next }
        switch format {
        case "csv":
            extra[.contentDisposition] = "attachment; filename=\"\(c.provider)-activities-\(id.prefix(8)).csv\""
            return JSONResponse.text(try ActivityFormatter.csv(page.items), contentType: "text/csv; charset=utf-8", extra: extra)
        case "ocsf":
            let provider = try deps.provider(for: c)
            return JSONResponse.text(ActivityFormatter.ocsfLines(page.items, accountID: provider.accountLabel(c.settings), catalogue: provider.catalogue),
                                     contentType: "application/x-ndjson", extra: extra)
        default:
            let items = page.items.map(ActivityItem.init)
            var response = JSONResponse.make(ActivityList(items: items, nextCursor: page.nextCursor))
            for field in extra { response.headers.append(field) }
            return response
        }
    }

    func scans(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        _ = try await connectors.connector(id)
        return JSONResponse.make(["items": try await deps.scans.summaries(connectorID: id, limit: try request.query.int("limit", default: 100, range: 1...5000))])
    }

    func scan(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let scanID = try context.require("scanId")
        _ = try await connectors.connector(id)
        guard let result = try await deps.scans.scan(connectorID: id, id: scanID) else { throw APIError.notFound("Scan \(scanID)") }
        return JSONResponse.make(result)
    }

    func scanDiff(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("connectorId")
        let scanID = try context.require("scanId")
        _ = try await connectors.connector(id)
        guard let to = try await deps.scans.scan(connectorID: id, id: scanID) else { throw APIError.notFound("Scan \(scanID)") }
        let againstID: String
        if let given = request.query.string("against") {
            againstID = given
        } else {
            let list = try await deps.scans.summaries(connectorID: id, limit: 5000)
            guard let index = list.firstIndex(where: { $0.id == scanID }), index + 1 < list.count else {
                throw APIError(.notFound, "no_previous_scan", "Scan \(scanID) is the first one: there is nothing to compare it with.", fix: "Pass against=<scanId>.")
            }
            againstID = list[index + 1].id
        }
        guard let from = try await deps.scans.scan(connectorID: id, id: againstID) else { throw APIError.notFound("Scan \(againstID)") }
        return JSONResponse.make(DiffResponse(from: againstID, to: scanID, diff: ScanDiff(from: from, to: to)))
    }

    struct DiffResponse: Codable { var from: String; var to: String; var diff: ScanDiff }
}

/// Set once the server listens and migrations ran.
public actor ReadinessFlag {
    public private(set) var value = false
    public init() {}
    public func set() { value = true }
}

extension APIRoutes.ActivityItem {
    init(_ a: ActivityEvent) {
        let s = ActivityFormatter.summary(a)
        self.init(time: a.occurredAt, kind: a.stream, user: a.actor, ipAddress: a.ipAddress, category: a.category, action: s.action, target: s.target,
                  outcome: a.outcome.rawValue, client: a.client, detail: s.detail, fingerprint: a.fingerprint, raw: a.raw)
    }
}
