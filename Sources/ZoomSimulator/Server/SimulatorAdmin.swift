import Foundation
import SSPMCore
import ZoomAPI

/// The simulator's own control endpoints under `/_sim` (no authentication: bind the simulator to loopback).
/// Documented in docs/SIMULATOR.md.
struct SimulatorAdmin: Sendable {
    let engine: ZoomSimulatorEngine
    let webhooks: WebhookDispatcher?

    func handle(_ request: SimRequest) async -> SimResponse {
        let parts = request.path.split(separator: "/").map(String.init).dropFirst()  // drop "_sim"
        let body = request.body.isEmpty ? JSONValue.object([:]) : (try? JSONDecoder().decode(JSONValue.self, from: request.body))
        guard let body, case .object = body else {
            return Self.bad("The request body is not a JSON object.")
        }
        switch (request.method, Array(parts)) {
        case ("GET", ["health"]):
            return Self.ok(["ok": true])
        case ("GET", ["faults"]):
            return Self.ok(Self.faultsJSON(await engine.faults))
        case ("DELETE", ["faults"]):
            await engine.setFaults(SimulatorFaults())
            return Self.ok(Self.faultsJSON(SimulatorFaults()))
        case ("POST", ["faults"]):
            let unknown = (body.objectValue ?? [:]).keys.filter { !SimulatorFaults.keys.contains($0) }
            if !unknown.isEmpty {
                return Self.bad("Unknown fault(s) \(unknown.sorted().joined(separator: ", ")). Known: \(SimulatorFaults.keys.joined(separator: ", ")).")
            }
            var faults = await engine.faults
            do {
                let merged = Self.faultsJSON(faults).merging(body)
                faults = try JSONDecoder().decode(SimulatorFaults.self, from: JSONEncoder().encode(merged))
            } catch {
                return Self.bad("A fault value has the wrong type: \(error)")
            }
            await engine.setFaults(faults)
            if body["revoke_tokens"]?.boolValue == true { await engine.revokeAllTokens() }
            return Self.ok(Self.faultsJSON(faults))
        case ("GET", ["clock"]):
            return Self.ok(["now": .string(ZoomSimulatorEngine.isoSeconds(engine.clock.now())), "scale": .double(engine.clock.scale)])
        case ("POST", ["clock"]):
            if let seconds = body["advance_seconds"], let value = seconds.intValue.map(Double.init) ?? { if case .double(let d) = seconds { return d } else { return nil } }() {
                // Within a century either way: further would leave the dates Zoom writes.
                guard value.isFinite, abs(value) <= 100 * 365 * 86_400 else { return Self.bad("advance_seconds must be within ±3,153,600,000 (a century)") }
                engine.clock.advance(by: value)
            }
            if let scale = body["scale"] {
                let value: Double? = scale.intValue.map(Double.init) ?? { if case .double(let d) = scale { return d } else { return nil } }()
                guard let value, value > 0 else { return Self.bad("scale must be a positive number") }
                engine.clock.setScale(value)
            }
            return Self.ok(["now": .string(ZoomSimulatorEngine.isoSeconds(engine.clock.now())), "scale": .double(engine.clock.scale)])
        case ("GET", ["stats"]):
            let counters = await engine.rateLimitCounters()
            var served: [String: JSONValue] = [:]
            var limited: [String: JSONValue] = [:]
            for (category, count) in counters.served { served[category.rawValue] = .int(Int64(count)) }
            for (category, count) in counters.issued429 { limited[category.rawValue] = .int(Int64(count)) }
            return Self.ok(["served": .object(served), "rate_limited": .object(limited)])
        case ("POST", ["exhaust_daily"]):
            guard let name = body["category"]?.stringValue, let category = RateLimitCategory(rawValue: name) else {
                return Self.bad("category must be one of \(RateLimitCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            await engine.exhaustDailyLimit(category)
            return Self.ok(["ok": true])
        case ("GET", ["webhooks"]):
            let attempts = webhooks?.attempts() ?? []
            let encoded = (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(attempts))) ?? .array([])
            return Self.ok(["url": webhooks.map { .string($0.url) } ?? .null, "attempts": encoded,
                            "pending": .int(Int64(webhooks?.pendingCount() ?? 0))])
        case ("PUT", ["webhooks", "url"]):
            guard let webhooks else { return Self.bad("Webhooks are off: start with --webhook-url (any URL) and a tenant with a webhook_secret_token.") }
            guard let url = body["url"]?.stringValue else { return Self.bad("Send {\"url\": \"http(s)://…\"}.") }
            let problems = OutboundURL.problems(url, field: "url", use: .receiver)
            guard problems.isEmpty else { return Self.bad(problems.joined(separator: "; ") + ".") }
            webhooks.setURL(url)
            return Self.ok(["url": .string(url)])
        case ("POST", ["webhooks", "validate"]):
            guard let webhooks else { return Self.bad("No webhook URL is configured (start with --webhook-url and a tenant with a webhook_secret_token).") }
            let problem = await webhooks.validateEndpoint()
            return Self.ok(["ok": .bool(problem == nil), "problem": problem.map { .string($0) } ?? .null])
        case ("PATCH", ["accounts", "settings"]):
            await engine.changeAccountSettings(body, option: request.query["option"], lock: request.query["lock"] == "true")
            return SimResponse(status: 204, body: .empty)
        case ("PATCH", let p) where p.count == 3 && p[0] == "groups" && p[2] == "settings":
            guard await engine.hasGroup(p[1]) else { return SimResponse.error(404, code: 4130, "Group does not exist: \(p[1]).") }
            await engine.changeGroupSettings(p[1], body, option: request.query["option"], lock: request.query["lock"] == "true")
            return SimResponse(status: 204, body: .empty)
        case ("POST", let p) where p.count == 3 && p[0] == "users" && p[2] == "deactivate":
            guard await engine.deactivateUser(p[1]) else { return SimResponse.error(404, code: 1001, "User does not exist: \(p[1]).") }
            return SimResponse(status: 204, body: .empty)
        case ("POST", ["signin"]):
            guard let email = body["email"]?.stringValue else { return Self.bad("email is required") }
            let ok = await engine.recordSignIn(
                email: email, signOut: body["sign_out"]?.boolValue ?? false,
                ipAddress: body["ip_address"]?.stringValue ?? "198.51.100.7",
                clientType: body["client_type"]?.stringValue ?? "Browser")
            return ok ? SimResponse(status: 204, body: .empty) : SimResponse.error(404, code: 1001, "User does not exist: \(email).")
        case ("POST", ["operations"]):
            guard let category = body["category_type"]?.stringValue, let action = body["action"]?.stringValue,
                  let detail = body["operation_detail"]?.stringValue else { return Self.bad("category_type, action and operation_detail are required") }
            await engine.recordOperation(operator: body["operator"]?.stringValue, categoryType: category, action: action, detail: detail)
            return SimResponse(status: 204, body: .empty)
        case ("GET", ["tenant"]):
            let tenant = await engine.currentTenant()
            let encoded = (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(tenant))) ?? .null
            return Self.ok(encoded)
        default:
            return SimResponse.error(404, code: 404, "No simulator admin endpoint \(request.method) \(request.path). See docs/SIMULATOR.md.")
        }
    }

    static func faultsJSON(_ faults: SimulatorFaults) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(faults))) ?? .object([:])
    }

    static func ok(_ body: JSONValue) -> SimResponse { SimResponse(status: 200, body: .json(body)) }
    static func bad(_ message: String) -> SimResponse { SimResponse.error(400, code: 400, message) }
}

extension ZoomSimulatorEngine {
    func hasGroup(_ id: String) -> Bool { groupIndexByID[id] != nil }
}
