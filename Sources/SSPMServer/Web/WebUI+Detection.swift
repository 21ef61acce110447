import Foundation
import Hummingbird
import SSPMCore
import SSPMReports
import SSPMStorage

/// The detection pages: alerts (filter, detail with evidence, lifecycle), policies (list, the
/// template gallery, a form that previews what a policy would have raised before saving it, "new
/// policy from this activity-log filter"), and notification channels (add, test, delivery log).
/// The rules are `DetectionAdmin`'s, as for the API.
extension WebUI {
    var detectionPages: [RouteSpec] {
        [
            RouteSpec(method: .get, path: "/alerts", access: .signedIn, handler: alertList),
            RouteSpec(method: .get, path: "/alerts/{alertId}", access: .signedIn, handler: alertPage),
            RouteSpec(method: .post, path: "/alerts/{alertId}/update", access: .admin, handler: alertUpdate),
            RouteSpec(method: .post, path: "/alerts/{alertId}/comments", access: .admin, handler: alertComment),
            RouteSpec(method: .get, path: "/policies", access: .signedIn, handler: policyList),
            RouteSpec(method: .get, path: "/policies/new", access: .admin, handler: newPolicy),
            RouteSpec(method: .post, path: "/policies", access: .admin, handler: savePolicy),
            RouteSpec(method: .get, path: "/policies/{policyId}", access: .signedIn, handler: policyPage),
            RouteSpec(method: .post, path: "/policies/{policyId}", access: .admin, handler: savePolicy),
            RouteSpec(method: .post, path: "/policies/{policyId}/toggle", access: .admin, handler: togglePolicy),
            RouteSpec(method: .get, path: "/settings/channels", access: .admin, handler: channelList),
            RouteSpec(method: .post, path: "/settings/channels", access: .admin, handler: addChannel),
            RouteSpec(method: .get, path: "/settings/channels/{channelId}", access: .admin, handler: channelPage),
            RouteSpec(method: .post, path: "/settings/channels/{channelId}/{action}", access: .admin, handler: channelAction),
        ]
    }

    var detection: DetectionAdmin { DetectionAdmin(deps: deps) }

    // MARK: alerts

    func alertList(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let q = request.query
        let query: AlertQuery
        let alerts: [AlertRecord]
        do {
            query = try APIRoutes.alertQuery(q)
            alerts = try await APIRoutes.alerts(deps, query)
        } catch let error as APIError { return errorPage(error, principal: principal) }
        let names = Dictionary(try await deps.connectors.list().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let status = q.string("status")
        var filters: [String] = []
        for key in ["status", "severity", "policyId", "connectorId"] { if let value = q.string(key) { filters.append("\(key)=\(Self.urlEncode(value))") } }
        let values: [String: Any] = [
            "alerts": alerts.map { a in
                ["id": a.id, "raised": Self.date(a.createdAt), "severity": a.severity.rawValue, "title": a.title, "actor": a.actor, "count": a.count,
                 "status": a.status.rawValue, "policyId": a.policyID, "connector": names[a.connectorID] ?? a.connectorID, "lastSeen": Self.date(a.lastSeen)] as [String: Any]
            },
            "statuses": [("open,acknowledged", "Open and acknowledged"), ("open", "Open"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved"),
                         ("dismissed", "Dismissed")].map { ["value": $0.0, "label": $0.1, "selected": $0.0 == status] },
            "severities": Severity.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == q.string("severity")] },
            "policyId": q.string("policyId") ?? "",
            "nextLink": (alerts.count == query.limit ? alerts.last?.id : nil).map { "/alerts?" + (filters + ["before=\(Self.urlEncode($0))"]).joined(separator: "&") } as Any,
        ]
        return page("alerts", values, principal: principal, title: "Alerts")
    }

    func alertPage(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        return try await renderAlert(id: try context.require("alertId"), principal: principal, problem: nil, flash: request.query.string("done"), status: .ok)
    }

    func renderAlert(id: String, principal: Principal, problem: String?, flash: String?, status: HTTPResponse.Status) async throws -> Response {
        guard let alert = try await deps.stores.detections.alert(id: id) else { return errorPage(APIError.notFound("Alert \(id)"), principal: principal) }
        let connector = try await deps.connectors.get(id: alert.connectorID)
        let evidence = try await deps.activities.evidence(connectorID: alert.connectorID, keys: alert.evidence)
        var values: [String: Any] = [
            "alert": ["id": alert.id, "title": alert.title, "severity": alert.severity.rawValue, "status": alert.status.rawValue,
                      "resolution": alert.resolution?.rawValue as Any, "assignee": alert.assignee as Any, "actor": alert.actor, "key": alert.key,
                      "value": alert.value as Any, "count": alert.count, "firstSeen": Self.date(alert.firstSeen), "lastSeen": Self.date(alert.lastSeen),
                      "raised": Self.date(alert.createdAt), "policyId": alert.policyID, "policyVersion": alert.policyVersion,
                      "context": alert.context.map { $0.compactJSON } as Any] as [String: Any],
            "connectorId": alert.connectorID, "connectorName": connector?.name ?? alert.connectorID,
            "evidence": evidence.map { e in
                let s = ActivityFormatter.summary(e)
                return ["time": Self.date(e.occurredAt), "kind": e.stream, "user": e.actor, "ip": e.ipAddress ?? "", "client": e.client ?? "",
                        "action": s.action, "detail": s.detail]
            },
            "moreEvidence": (alert.count > evidence.count ? alert.count - evidence.count : nil) as Any,
            "comments": try await deps.stores.detections.comments(alertID: id).map { ["author": $0.author, "at": Self.date($0.at), "body": $0.body] },
            "isOpen": alert.status == .open, "isClosed": alert.status == .resolved || alert.status == .dismissed,
            "resolutions": AlertResolution.allCases.map { ["value": $0.rawValue, "label": $0.rawValue.replacingOccurrences(of: "_", with: " ")] },
        ]
        if let problem { values["problem"] = problem }
        if let flash { values["flash"] = "Alert \(flash)." }
        return page("alert", values, principal: principal, title: alert.title, status: status)
    }

    func alertUpdate(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        let id = try context.require("alertId")
        func value(_ key: String) -> String? { (form[key] ?? "").isEmpty ? nil : form[key] }
        // A status button, or the assign form (its field alone; empty clears the assignee).
        let status = value("status").flatMap(AlertStatus.init(rawValue:))
        guard value("status") == nil || status != nil, status != nil || form["assignee"] != nil else {
            return try await renderAlert(id: id, principal: principal, problem: "Choose what to do with the alert.", flash: nil, status: .badRequest)
        }
        let change = DetectionAdmin.AlertChange(status: status, resolution: value("resolution").flatMap(AlertResolution.init(rawValue:)),
                                                assignee: form["assignee"])
        do {
            let next = try await detection.change(alertID: id, change, by: principal.actor)
            return Self.redirect("/alerts/\(id)?done=\(Self.urlEncode(next.status.rawValue))")
        } catch let error as APIError {
            return try await renderAlert(id: id, principal: principal, problem: error.sentence, flash: nil, status: error.status)
        }
    }

    func alertComment(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        let id = try context.require("alertId")
        do {
            _ = try await detection.comment(alertID: id, body: form["body"] ?? "", by: principal.actor)
            return Self.redirect("/alerts/\(id)#comments")
        } catch let error as APIError {
            return try await renderAlert(id: id, principal: principal, problem: error.sentence, flash: nil, status: error.status)
        }
    }

    // MARK: policies

    func policyList(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let stored = try await deps.stores.detections.policies()
        let counts = try await deps.stores.detections.alertCounts()
        let storedIDs = Set(stored.map(\.policy.id))
        var values: [String: Any] = [
            "policies": stored.map { s in
                ["id": s.policy.id, "title": s.policy.title, "severity": s.policy.severity.rawValue, "kind": s.policy.kind.type.replacingOccurrences(of: "_", with: " "),
                 "enabled": s.policy.enabled, "version": s.policy.version, "alerts": counts[s.policy.id] ?? 0, "template": s.template != nil,
                 "inactive": (s.policy.enabled ? s.policy.inactiveReason(hasGeoIP: deps.locator != nil).map { "inactive: " + $0 } : nil) as Any] as [String: Any]
            },
            "templates": detection.templates().map { t in
                ["id": t.policy.id, "provider": t.provider, "title": t.policy.title, "severity": t.policy.severity.rawValue, "catches": t.policy.catches,
                 "falsePositives": t.policy.falsePositives, "tuning": t.policy.tuning, "stored": storedIDs.contains(t.policy.id)] as [String: Any]
            },
        ]
        if let done = request.query.string("done") { values["flash"] = done == "deleted" ? "The policy was deleted; its alerts are kept." : "Saved." }
        return page("policies", values, principal: principal, title: "Detection policies")
    }

    /// `/policies/new`, prefilled from an activity-log filter (`connectorId`, `type`, `user`, `ip`)
    /// or from a template (`from=ZDT-01`).
    func newPolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminPage(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let q = request.query
        var form: [String: String] = ["severity": "medium", "kindType": "single", "groupWindow": "60", "dailyCap": "100", "enabled": "on"]
        if let from = q.string("from"), let template = detection.templates().first(where: { $0.policy.id == from })?.policy {
            form = PolicyForm.fields(template)
            form["id"] = ""
            form["title"] = template.title
        }
        if let type = q.string("type") { form["streams"] = type }
        if let user = q.string("user") { form["actors"] = user }
        if let ip = q.string("ip") { form["ipNetworks"] = ip }
        if q.string("type") != nil || q.string("user") != nil || q.string("ip") != nil {
            form["title"] = form["title"] ?? "Activity like my filter by {actor}"
            form["catches"] = "Activity matching an activity-log filter" + [q.string("type"), q.string("user"), q.string("ip")].compactMap { $0 }.map { " \($0)" }.joined()
        }
        form["connectorId"] = q.string("connectorId") ?? ""
        // A policy from a connector's activity log is for that connector's provider.
        if let id = q.string("connectorId"), let connector = try await deps.connectors.get(id: id) { form["providers"] = connector.provider.lowercased() }
        return try await renderPolicyForm(principal: principal, policyID: nil, form: form, preview: nil, problem: nil, status: .ok)
    }

    func policyPage(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await signedIn(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("policyId")
        guard let stored = try await deps.stores.detections.policy(id: id) else { return errorPage(APIError.notFound("Policy \(id)"), principal: principal) }
        var form = PolicyForm.fields(stored.policy)
        form["connectorId"] = try await deps.connectors.list().first?.id ?? ""
        return try await renderPolicyForm(principal: principal, policyID: id, form: form, preview: nil, problem: nil, status: .ok,
                                          flash: request.query.string("saved").map { "Saved as version \($0)." })
    }

    func renderPolicyForm(principal: Principal, policyID: String?, form: [String: String], preview: DetectionAdmin.Preview?, problem: String?,
                          status: HTTPResponse.Status, flash: String? = nil) async throws -> Response {
        var values: [String: Any] = [
            "form": form, "isNew": policyID == nil, "policyId": policyID as Any,
            "action": policyID.map { "/policies/\($0)" } ?? "/policies",
            "severities": Severity.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == form["severity"]] },
            "streams": [("", "Any"), ("signin", "Sign-ins"), ("operation", "Admin operations"), ("webhook", "Webhook events")]
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (form["streams"] ?? "")] },
            "kinds": [("single", "Every matching event"), ("count", "At least N events in a window"), ("distinct", "At least N different values in a window"),
                      ("first_seen", "A value never seen before for the scope"), ("return_after", "Back after a long silence"),
                      ("impossible_travel", "Impossible travel between countries (Geo-IP)"),
                      ("outdated_client", "A client far older than the account's newest")]
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == form["kindType"]] },
            "fields": EventField.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == (form["field"] ?? "ip_address")] },
            "scopes": [("actor", "Each user"), ("target", "Each target"), ("account", "The whole account")]
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (form["per"] ?? "actor")] },
            "connectors": try await deps.connectors.list().map { ["id": $0.id, "name": $0.name, "selected": $0.id == form["connectorId"]] },
            "enabled": form["enabled"] == "on",
        ]
        if let policyID {
            values["hasVersions"] = true
            values["versions"] = try await deps.stores.detections.versions(id: policyID).map {
                ["version": $0.policy.version, "savedAt": Self.date($0.updatedAt), "savedBy": $0.updatedBy ?? "(template)", "enabled": $0.policy.enabled] as [String: Any]
            }
        }
        if let preview {
            values["preview"] = [
                "wouldRaise": preview.wouldRaise, "evaluated": preview.evaluated, "from": Self.date(preview.from), "to": Self.date(preview.to),
                "suppressed": (preview.suppressed > 0 ? preview.suppressed : nil) as Any, "hasAlerts": !preview.alerts.isEmpty,
                "alerts": preview.alerts.map { ["title": $0.title, "actor": $0.actor, "count": $0.count, "firstSeen": Self.date($0.firstSeen)] as [String: Any] },
            ] as [String: Any]
        }
        if let problem { values["problem"] = problem }
        if let flash { values["flash"] = flash }
        return page("policy", values, principal: principal, title: policyID.map { "Policy \($0)" } ?? "New policy", status: status)
    }

    /// Saves (`intent=save`) or previews (`intent=preview`) the form; `/policies` creates, `/policies/{id}` saves the next version.
    func savePolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        let policyID = context.parameters.get("policyId")
        let input: PolicyInput
        do { input = try PolicyForm.input(form) } catch let error as APIError {
            return try await renderPolicyForm(principal: principal, policyID: policyID, form: form, preview: nil, problem: error.sentence, status: error.status)
        }
        do {
            if form["intent"] == "preview" {
                guard let connectorID = form["connectorId"], !connectorID.isEmpty else {
                    return try await renderPolicyForm(principal: principal, policyID: policyID, form: form, preview: nil,
                                                      problem: "Choose the connector whose last 7 days the preview runs over.", status: .badRequest)
                }
                let preview = try await detection.preview(input, connectorID: connectorID, days: 7)
                return try await renderPolicyForm(principal: principal, policyID: policyID, form: form, preview: preview, problem: nil, status: .ok)
            }
            let saved: StoredPolicy
            if let policyID { saved = try await detection.update(id: policyID, input, by: principal.actor) } else { saved = try await detection.create(input, by: principal.actor) }
            return Self.redirect("/policies/\(Self.urlEncode(saved.policy.id))?saved=\(saved.policy.version)")
        } catch let error as APIError {
            return try await renderPolicyForm(principal: principal, policyID: policyID, form: form, preview: nil, problem: error.sentence, status: error.status)
        }
    }

    func togglePolicy(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        let id = try context.require("policyId")
        do {
            if form["delete"] == "yes" {
                try await detection.delete(id: id, by: principal.actor)
                return Self.redirect("/policies?done=deleted")
            }
            guard let stored = try await deps.stores.detections.policy(id: id) else { throw APIError.notFound("Policy \(id)") }
            var input = PolicyForm.input(of: stored.policy)
            input.enabled = !stored.policy.enabled
            _ = try await detection.update(id: id, input, by: principal.actor)
            return Self.redirect("/policies?done=saved")
        } catch let error as APIError {
            return errorPage(error, principal: principal)
        }
    }

    // MARK: channels

    func channelList(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminPage(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        return try await renderChannels(principal: principal, form: [:], problem: nil, flash: nil, status: .ok)
    }

    func renderChannels(principal: Principal, form: [String: String], problem: String?, flash: String?, secret: String? = nil,
                        status: HTTPResponse.Status) async throws -> Response {
        var values: [String: Any] = [
            "channels": try await deps.stores.notifications.channels().map { c in
                return ["id": c.id, "name": c.name, "kind": c.kind.rawValue, "enabled": c.enabled, "minSeverity": c.minSeverity.rawValue,
                        "target": ChannelView(c).target,
                        "policies": c.policies?.joined(separator: ", ") ?? "all"] as [String: Any]
            },
            "form": form,
            "kinds": [("webhook", "Signed webhook (Standard Webhooks)"), ("slack", "Slack incoming webhook"), ("teams", "Microsoft Teams workflow webhook"), ("email", "E-mail (SMTP)")]
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (form["kind"] ?? "webhook")] },
            "severities": Severity.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == (form["minSeverity"] ?? "low")] },
            "securities": EmailSettings.Security.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == (form["security"] ?? "starttls")] },
        ]
        if let problem { values["problem"] = problem }
        if let flash { values["flash"] = flash }
        if let secret { values["secret"] = secret }
        return page("channels", values, principal: principal, title: "Notification channels", status: status)
    }

    static func channelInput(_ form: [String: String]) -> ChannelInput {
        func value(_ key: String) -> String? { (form[key] ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : form[key]!.trimmingCharacters(in: .whitespaces) }
        let kind = value("kind").flatMap(ChannelKind.init(rawValue:))
        var input = ChannelInput(name: value("name"), kind: kind, enabled: true, minSeverity: value("minSeverity").flatMap(Severity.init(rawValue:)),
                                 policies: value("policies").map(PolicyForm.list))
        if kind == .email {
            // An empty port is the form's default; one that is not a number is left for the shared
            // check to refuse (0), never quietly replaced.
            input.email = EmailSettings(host: value("host") ?? "", port: value("port").map { Int($0) ?? 0 } ?? 587,
                                        security: value("security").flatMap(EmailSettings.Security.init(rawValue:)) ?? .starttls,
                                        username: value("username"), from: value("from") ?? "", to: value("to").map(PolicyForm.list) ?? [],
                                        caCertificate: value("caCertificate"))
            input.password = value("password")
        } else {
            input.url = value("url")
        }
        return input
    }

    func addChannel(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, form): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, form) = v }
        do {
            let channel = try await detection.createChannel(Self.channelInput(form), by: principal.actor)
            return try await renderChannels(principal: principal, form: [:], problem: nil, flash: "The channel \(channel.name) was added. Send it a test.",
                                            secret: channel.kind == .webhook ? channel.secrets.signingSecret : nil, status: .created)
        } catch let error as APIError {
            var kept = form
            for secret in ["password", "url"] { kept[secret] = nil }
            return try await renderChannels(principal: principal, form: kept, problem: error.sentence, flash: nil, status: error.status)
        }
    }

    func channelPage(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let principal: Principal
        switch try await adminPage(context) { case .stop(let r): return r; case .ok(let p): principal = p }
        let id = try context.require("channelId")
        guard let channel = try await deps.stores.notifications.channel(id: id) else { return errorPage(APIError.notFound("Channel \(id)"), principal: principal) }
        var values: [String: Any] = [
            "channel": ["id": channel.id, "name": channel.name, "kind": channel.kind.rawValue, "enabled": channel.enabled,
                        "target": ChannelView(channel).target] as [String: Any],
            "deliveries": try await deps.stores.notifications.deliveries(channelID: id, limit: 100).map { d in
                ["id": d.id, "event": d.event, "alertId": d.alertID as Any, "state": d.state.rawValue, "attempts": d.attempts,
                 "created": Self.date(d.createdAt), "delivered": d.deliveredAt.map { Self.date($0) } ?? "", "next": d.state == .pending ? Self.date(d.nextAttemptAt) : "",
                 "lastStatus": d.lastStatus.map(String.init) ?? "", "lastError": d.lastError ?? ""] as [String: Any]
            },
        ]
        if request.query.string("tested") != nil { values["flash"] = "A test notification was queued; its delivery shows below (reload to follow it)." }
        return page("channel", values, principal: principal, title: "Channel \(channel.name)")
    }

    func channelAction(_ request: Request, _ context: SSPMRequestContext) async throws -> Response {
        let (principal, _): (Principal, [String: String])
        switch try await adminForm(request, context) { case .stop(let r): return r; case .ok(let v): (principal, _) = v }
        let id = try context.require("channelId")
        do {
            switch try context.require("action") {
            case "test":
                _ = try await detection.test(channelID: id, by: principal.actor)
                return Self.redirect("/settings/channels/\(id)?tested=1")
            case "toggle":
                guard let channel = try await deps.stores.notifications.channel(id: id) else { throw APIError.notFound("Channel \(id)") }
                _ = try await detection.updateChannel(id: id, ChannelInput(enabled: !channel.enabled), by: principal.actor)
                return Self.redirect("/settings/channels")
            case "delete":
                try await detection.deleteChannel(id: id, by: principal.actor)
                return Self.redirect("/settings/channels")
            default:
                throw APIError.notFound("The action")
            }
        } catch let error as APIError {
            return errorPage(error, principal: principal)
        }
    }
}

/// The policy form's fields, to and from `PolicyInput` (lists one entry per line; windows in
/// minutes, learning periods and gaps in days).
enum PolicyForm {
    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Detail fragments may hold commas: one per line.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    static func input(_ form: [String: String]) throws -> PolicyInput {
        func value(_ key: String) -> String? { (form[key] ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? nil : form[key] }
        func listValue(_ key: String) -> [String]? { value(key).map(list).flatMap { $0.isEmpty ? nil : $0 } }
        // Group names may hold commas: one per line.
        func lineValue(_ key: String) -> [String]? { value(key).map(lines).map { $0.map { $0.trimmingCharacters(in: .whitespaces) } }.flatMap { $0.isEmpty ? nil : $0 } }
        // Bounded before any conversion: a huge number is refused, never turned into an Int that traps.
        func number(_ key: String, _ what: String, default fallback: Double) throws -> Double {
            guard let text = value(key) else { return fallback }
            guard let n = Double(text.trimmingCharacters(in: .whitespaces)), n.isFinite, abs(n) <= 1e9 else {
                throw APIError.badRequest("\(what) must be a number up to 1,000,000,000 (got \(text.prefix(20))).")
            }
            return n
        }
        func whole(_ key: String, _ what: String, default fallback: Int) throws -> Int {
            let n = try number(key, what, default: Double(fallback))
            guard let exact = Int(exactly: n.rounded()) else { throw APIError.badRequest("\(what) must be a whole number.") }
            return exact
        }
        guard let severity = value("severity").flatMap(Severity.init(rawValue:)) else { throw APIError.badRequest("Choose a severity.") }
        let field = value("field").flatMap(EventField.init(rawValue:)) ?? .ipAddress
        let per = value("per").flatMap(DetectionScope.init(rawValue:)) ?? .actor
        let threshold = try whole("threshold", "The threshold", default: 5)
        let window = try number("window", "The window (minutes)", default: 60) * 60
        let learning = try number("learning", "The learning period (days)", default: 7) * 86_400
        let kind: DetectionKind
        switch value("kindType") ?? "single" {
        case "count": kind = .count(threshold: threshold, window: window, per: per)
        case "distinct": kind = .distinct(field: field, threshold: threshold, window: window, per: per)
        case "first_seen": kind = .firstSeen(field: field, learning: learning, per: per)
        case "return_after": kind = .returnAfter(gap: try number("gap", "The gap (days)", default: 30) * 86_400, learning: learning, per: per)
        case "outdated_client": kind = .outdatedClient(minorsBehind: try whole("minorsBehind", "The minor releases behind", default: 6), learning: learning, per: per)
        case "impossible_travel": kind = .impossibleTravel(speedKmh: try number("speed", "The speed (km/h)", default: 900), per: per)
        default: kind = .single
        }
        let match = EventMatch(providers: listValue("providers"), streams: listValue("streams"), categories: listValue("categories"), actions: listValue("actions"), actors: listValue("actors"),
                               excludeActors: listValue("excludeActors"), targets: listValue("targets"),
                               groups: lineValue("groups"), excludeGroups: lineValue("excludeGroups"), ipNetworks: listValue("ipNetworks"),
                               excludeIPNetworks: listValue("excludeIPNetworks"), clients: listValue("clients"),
                               detailContains: value("detailContains").map(lines).flatMap { $0.isEmpty ? nil : $0 },
                               detailPrefix: value("detailPrefix"), detailSuffix: value("detailSuffix"), detailPattern: value("detailPattern"))
        return PolicyInput(id: value("id")?.trimmingCharacters(in: .whitespaces), title: value("title") ?? "", severity: severity, enabled: form["enabled"] == "on",
                           match: match, kind: kind, groupWindow: try number("groupWindow", "The group window (minutes)", default: 60) * 60,
                           dailyCap: try whole("dailyCap", "The daily cap", default: 100), catches: value("catches"),
                           falsePositives: value("falsePositives"), tuning: value("tuning"))
    }

    static func input(of p: DetectionPolicy) -> PolicyInput {
        PolicyInput(id: p.id, title: p.title, severity: p.severity, enabled: p.enabled, match: p.match, kind: p.kind, groupWindow: p.groupWindow,
                    dailyCap: p.dailyCap, catches: p.catches, falsePositives: p.falsePositives, tuning: p.tuning)
    }

    static func fields(_ p: DetectionPolicy) -> [String: String] {
        func join(_ list: [String]?, _ separator: String = "\n") -> String { (list ?? []).joined(separator: separator) }
        func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        var form: [String: String] = [
            "id": p.id, "title": p.title, "severity": p.severity.rawValue, "enabled": p.enabled ? "on" : "",
            "providers": join(p.match.providers, ","), "streams": p.match.streams?.first ?? "", "categories": join(p.match.categories), "actions": join(p.match.actions),
            "actors": join(p.match.actors), "excludeActors": join(p.match.excludeActors), "targets": join(p.match.targets),
            "groups": join(p.match.groups), "excludeGroups": join(p.match.excludeGroups),
            "ipNetworks": join(p.match.ipNetworks), "excludeIPNetworks": join(p.match.excludeIPNetworks), "clients": join(p.match.clients),
            "detailContains": join(p.match.detailContains), "detailPrefix": p.match.detailPrefix ?? "", "detailSuffix": p.match.detailSuffix ?? "",
            "detailPattern": p.match.detailPattern ?? "", "kindType": p.kind.type, "groupWindow": number(p.groupWindow / 60),
            "dailyCap": String(p.dailyCap), "catches": p.catches, "falsePositives": p.falsePositives, "tuning": p.tuning,
        ]
        switch p.kind {
        case .single: break
        case .count(let t, let w, let per):
            form["threshold"] = String(t); form["window"] = number(w / 60); form["per"] = per.rawValue
        case .distinct(let f, let t, let w, let per):
            form["field"] = f.rawValue; form["threshold"] = String(t); form["window"] = number(w / 60); form["per"] = per.rawValue
        case .firstSeen(let f, let learning, let per):
            form["field"] = f.rawValue; form["learning"] = number(learning / 86_400); form["per"] = per.rawValue
        case .returnAfter(let gap, let learning, let per):
            form["gap"] = number(gap / 86_400); form["learning"] = number(learning / 86_400); form["per"] = per.rawValue
        case .impossibleTravel(let speed, let per):
            form["speed"] = number(speed); form["per"] = per.rawValue
        case .outdatedClient(let behind, let learning, let per):
            form["minorsBehind"] = String(behind); form["learning"] = number(learning / 86_400); form["per"] = per.rawValue
        }
        return form
    }
}
