import Foundation
import HTTPTypes
import Hummingbird
import SSPMCore
import SSPMStorage

/// Detection's part of the REST API: templates, policies (versioned) and their preview, alerts
/// with their lifecycle, notification channels with their test and delivery log.
extension APIRoutes {
    var detectionRoutes: [RouteSpec] {
        [
            RouteSpec(method: .get, path: "/api/v1/detection/templates", access: .signedIn, handler: templates),
            // Admins only: a preview reads up to 500,000 stored events.
            RouteSpec(method: .post, path: "/api/v1/detection/preview", access: .admin, handler: preview),
            RouteSpec(method: .get, path: "/api/v1/policies", access: .signedIn, handler: listPolicies),
            RouteSpec(method: .post, path: "/api/v1/policies", access: .admin, handler: createPolicy),
            RouteSpec(method: .get, path: "/api/v1/policies/{policyId}", access: .signedIn, handler: getPolicy),
            RouteSpec(method: .put, path: "/api/v1/policies/{policyId}", access: .admin, handler: updatePolicy),
            RouteSpec(method: .delete, path: "/api/v1/policies/{policyId}", access: .admin, handler: deletePolicy),
            RouteSpec(method: .get, path: "/api/v1/alerts", access: .signedIn, handler: listAlerts),
            RouteSpec(method: .get, path: "/api/v1/alerts/{alertId}", access: .signedIn, handler: getAlert),
            RouteSpec(method: .patch, path: "/api/v1/alerts/{alertId}", access: .admin, handler: changeAlert),
            RouteSpec(method: .post, path: "/api/v1/alerts/{alertId}/comments", access: .admin, handler: commentAlert),
            RouteSpec(method: .get, path: "/api/v1/channels", access: .admin, handler: listChannels),
            RouteSpec(method: .post, path: "/api/v1/channels", access: .admin, handler: createChannel),
            RouteSpec(method: .get, path: "/api/v1/channels/{channelId}", access: .admin, handler: getChannel),
            RouteSpec(method: .patch, path: "/api/v1/channels/{channelId}", access: .admin, handler: updateChannel),
            RouteSpec(method: .delete, path: "/api/v1/channels/{channelId}", access: .admin, handler: deleteChannel),
            RouteSpec(method: .post, path: "/api/v1/channels/{channelId}/test", access: .admin, handler: testChannel),
            RouteSpec(method: .get, path: "/api/v1/channels/{channelId}/deliveries", access: .admin, handler: deliveries),
        ]
    }

    var detection: DetectionAdmin { DetectionAdmin(deps: deps) }

    struct TemplateItem: Codable {
        var provider: String
        var policy: DetectionPolicy
        /// Whether a policy with this id is stored, and enabled.
        var stored: Bool
        var enabled: Bool
    }

    func templates(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let stored = Dictionary(try await deps.stores.detections.policies().map { ($0.policy.id, $0.policy.enabled) }, uniquingKeysWith: { a, _ in a })
        return JSONResponse.make(["items": detection.templates().map { TemplateItem(provider: $0.provider, policy: $0.policy, stored: stored[$0.policy.id] != nil,
                                                                                  enabled: stored[$0.policy.id] ?? false) }])
    }

    struct PreviewRequest: Codable {
        var policy: PolicyInput
        var connectorId: String
        var days: Int?
    }

    func preview(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(PreviewRequest.self, request)
        let days = body.days ?? 7
        guard (1...30).contains(days) else { throw APIError.badRequest("days must be 1 to 30 (got \(days)).", fix: "Leave it out for the last 7 days.") }
        return JSONResponse.make(try await detection.preview(body.policy, connectorID: body.connectorId, days: days))
    }

    struct PolicyItem: Codable {
        var policy: DetectionPolicy
        var template: String?
        var updatedAt: Date
        var updatedBy: String?
        var alerts: Int
        /// Why an enabled policy does not run here (a Geo-IP policy without a database).
        var inactive: String?
        init(_ stored: StoredPolicy, alerts: Int, locator: (any GeoLocator)? = nil) {
            inactive = stored.policy.enabled ? stored.policy.inactiveReason(hasGeoIP: locator != nil) : nil
            policy = stored.policy
            template = stored.template
            updatedAt = stored.updatedAt
            updatedBy = stored.updatedBy
            self.alerts = alerts
        }
    }

    func listPolicies(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let counts = try await deps.stores.detections.alertCounts()
        return JSONResponse.make(["items": try await deps.stores.detections.policies().map { PolicyItem($0, alerts: counts[$0.policy.id] ?? 0, locator: deps.locator) }])
    }

    func createPolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(PolicyInput.self, request)
        let saved = try await detection.create(body, by: try context.caller.actor)
        // An id used before keeps its alerts.
        return JSONResponse.make(PolicyItem(saved, alerts: try await deps.stores.detections.alertCounts()[saved.policy.id] ?? 0), status: .created)
    }

    struct PolicyDetail: Codable {
        var policy: PolicyItem
        var versions: [Version]
        struct Version: Codable {
            var version: Int
            var savedAt: Date
            var savedBy: String?
            var enabled: Bool
        }
    }

    func getPolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("policyId")
        guard let stored = try await deps.stores.detections.policy(id: id) else { throw APIError.notFound("Policy \(id)") }
        let counts = try await deps.stores.detections.alertCounts()
        let versions = try await deps.stores.detections.versions(id: id).map {
            PolicyDetail.Version(version: $0.policy.version, savedAt: $0.updatedAt, savedBy: $0.updatedBy, enabled: $0.policy.enabled)
        }
        return JSONResponse.make(PolicyDetail(policy: PolicyItem(stored, alerts: counts[id] ?? 0, locator: deps.locator), versions: versions))
    }

    func updatePolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("policyId")
        let body = try await Body.decode(PolicyInput.self, request)
        let saved = try await detection.update(id: id, body, by: try context.caller.actor)
        return JSONResponse.make(PolicyItem(saved, alerts: try await deps.stores.detections.alertCounts()[id] ?? 0))
    }

    func deletePolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        try await detection.delete(id: try context.require("policyId"), by: try context.caller.actor)
        return Response(status: .noContent)
    }

    /// The alert filters, read one way for the API and the page.
    static func alertQuery(_ q: Query) throws -> AlertQuery {
        let statuses = try q.list("status", allowed: AlertStatus.allCases.map(\.rawValue))?.compactMap(AlertStatus.init(rawValue:))
        let severity = try q.string("severity").map { text in
            guard let severity = Severity(rawValue: text) else {
                throw APIError.badRequest("severity=\(text.prefix(20)) is not known.", fix: "Use \(Severity.allCases.map(\.rawValue).joined(separator: ", ")) (alerts at or above it).")
            }
            return severity
        }
        return AlertQuery(connectorID: q.string("connectorId"), statuses: statuses, minSeverity: severity, policyID: q.string("policyId"),
                          limit: try q.int("limit", default: 100, range: 1...1000), before: q.string("before"))
    }

    /// The page of alerts; a `before` that names no alert is a 400 (for the API and the page).
    static func alerts(_ deps: ServerDependencies, _ query: AlertQuery) async throws -> [AlertRecord] {
        do { return try await deps.stores.detections.alerts(query) } catch is InvalidCursor {
            throw APIError.badRequest("before=\(String(query.before?.prefix(60) ?? "")) is not an alert's id: that alert is not there (any more).",
                                      fix: "Start again without before; each page's nextBefore names the next one.")
        }
    }

    struct AlertList: Codable {
        var items: [AlertRecord]
        var nextBefore: String?
    }

    func listAlerts(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let query = try Self.alertQuery(request.query)
        let items = try await Self.alerts(deps, query)
        return JSONResponse.make(AlertList(items: items, nextBefore: items.count == query.limit ? items.last?.id : nil))
    }

    struct AlertDetail: Codable {
        var alert: AlertRecord
        var comments: [AlertComment]
        var evidence: [ActivityItem]
    }

    func getAlert(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("alertId")
        guard let alert = try await deps.stores.detections.alert(id: id) else { throw APIError.notFound("Alert \(id)") }
        let evidence = try await deps.activities.evidence(connectorID: alert.connectorID, keys: alert.evidence)
        return JSONResponse.make(AlertDetail(alert: alert, comments: try await deps.stores.detections.comments(alertID: id), evidence: evidence.map(ActivityItem.init)))
    }

    func changeAlert(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(DetectionAdmin.AlertChange.self, request)
        return JSONResponse.make(try await detection.change(alertID: try context.require("alertId"), body, by: try context.caller.actor))
    }

    struct NewComment: Codable { var body: String }

    func commentAlert(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(NewComment.self, request)
        return JSONResponse.make(try await detection.comment(alertID: try context.require("alertId"), body: body.body, by: try context.caller.actor), status: .created)
    }

    func listChannels(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        JSONResponse.make(["items": try await deps.stores.notifications.channels().map { ChannelView($0) }])
    }

    func createChannel(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(ChannelInput.self, request)
        return JSONResponse.make(ChannelView(try await detection.createChannel(body, by: try context.caller.actor), showSecret: true), status: .created)
    }

    func getChannel(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("channelId")
        guard let channel = try await deps.stores.notifications.channel(id: id) else { throw APIError.notFound("Channel \(id)") }
        return JSONResponse.make(ChannelView(channel))
    }

    func updateChannel(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let body = try await Body.decode(ChannelInput.self, request)
        return JSONResponse.make(ChannelView(try await detection.updateChannel(id: try context.require("channelId"), body, by: try context.caller.actor)))
    }

    func deleteChannel(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        try await detection.deleteChannel(id: try context.require("channelId"), by: try context.caller.actor)
        return Response(status: .noContent)
    }

    struct DeliveryItem: Codable {
        var id: String
        var event: String
        var alertId: String?
        var state: DeliveryState
        var attempts: Int
        var nextAttemptAt: Date
        var lastStatus: Int?
        var lastError: String?
        var createdAt: Date
        var deliveredAt: Date?
        init(_ item: OutboxItem) {
            id = item.id
            event = item.event
            alertId = item.alertID
            state = item.state
            attempts = item.attempts
            nextAttemptAt = item.nextAttemptAt
            lastStatus = item.lastStatus
            lastError = item.lastError
            createdAt = item.createdAt
            deliveredAt = item.deliveredAt
        }
    }

    func testChannel(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let item = try await detection.test(channelID: try context.require("channelId"), by: try context.caller.actor)
        return JSONResponse.make(DeliveryItem(item), status: .accepted)
    }

    func deliveries(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let id = try context.require("channelId")
        guard try await deps.stores.notifications.channel(id: id) != nil else { throw APIError.notFound("Channel \(id)") }
        let limit = try request.query.int("limit", default: 100, range: 1...1000)
        return JSONResponse.make(["items": try await deps.stores.notifications.deliveries(channelID: id, limit: limit).map(DeliveryItem.init)])
    }
}
