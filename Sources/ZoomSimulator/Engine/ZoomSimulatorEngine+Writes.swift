import Foundation
import SSPMCore
import ZoomAPI

/// Write endpoints: each change emits the webhook Zoom would send.
extension ZoomSimulatorEngine {
    func requestJSON(_ request: SimRequest) -> Result<JSONValue, SimResponseError> {
        guard !request.body.isEmpty else { return .success(.object([:])) }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: request.body), case .object = value else {
            return .failure(SimResponseError(.error(400, code: 300, "Request Body should be a valid JSON object.")))
        }
        return .success(value)
    }

    var operatorFields: (email: JSONValue, id: JSONValue) {
        (operatorUser?["email"] ?? "admin@example.com", operatorUser?["id"] ?? "")
    }

    /// Builds and queues a webhook event.
    func emit(_ event: String, object: JSONValue, oldObject: JSONValue? = nil, extra: [String: JSONValue] = [:], withOperator: Bool = true) {
        let now = clock.now()
        var payload: JSONValue = ["account_id": .string(tenant.accountID), "object": object]
        if withOperator {
            payload["operator"] = operatorFields.email
            payload["operator_id"] = operatorFields.id
        }
        if let oldObject {
            payload["old_object"] = oldObject
            payload["time_stamp"] = .int(Int64(now.timeIntervalSince1970 * 1000))
        }
        for (key, value) in extra { payload[key] = value }
        let body: JSONValue = ["event": .string(event), "event_ts": .int(Int64(now.timeIntervalSince1970 * 1000)), "payload": payload]
        webhooks?.enqueue(event: event, body: body)
    }

    /// For each leaf of `patch`, the value it replaces in `document` (same shape).
    static func oldValues(of patch: JSONValue, in document: JSONValue) -> JSONValue {
        guard case .object(let members) = patch else { return document }
        var result: [String: JSONValue] = [:]
        for (key, value) in members {
            let old = document[key] ?? .null
            if case .object = value { result[key] = oldValues(of: value, in: old) } else { result[key] = old }
        }
        return .object(result)
    }

    /// Applies a settings PATCH body for an `option=` value to a tenant-convention document.
    static func apply(_ patch: JSONValue, option: String?, to document: JSONValue) -> (JSONValue, changed: JSONValue, old: JSONValue) {
        switch option {
        case "meeting_authentication", "recording_authentication":
            let key = option!
            let old = oldValues(of: patch, in: document[key] ?? .object([:]))
            var updated = document
            updated[key] = (document[key] ?? .object([:])).merging(patch)
            return (updated, [key: patch], [key: old])
        default:
            return (document.merging(patch), patch, oldValues(of: patch, in: document))
        }
    }

    func updateAccountSettings(_ accountID: String, lock: Bool, _ request: SimRequest, now: Date) -> SimResponse {
        guard isOwnAccount(accountID) else { return .error(404, code: 2001, "Account does not exist: \(accountID).") }
        let patch: JSONValue
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let value): patch = value
        }
        changeAccountSettings(patch, option: request.query["option"], lock: lock)
        return SimResponse(status: 204, body: .empty)
    }

    /// Changes account (lock) settings and emits account.settings_updated / account.lock_settings_updated.
    public func changeAccountSettings(_ patch: JSONValue, option: String? = nil, lock: Bool = false) {
        let current = (lock ? tenant.lockSettings : tenant.settings) ?? (lock ? Defaults.accountLock : Defaults.account)
        let (updated, changed, old) = Self.apply(patch, option: option, to: current)
        if lock { tenant.lockSettings = updated } else { tenant.settings = updated }
        emit(lock ? "account.lock_settings_updated" : "account.settings_updated",
             object: ["id": .string(tenant.accountID), "settings": changed],
             oldObject: ["id": .string(tenant.accountID), "settings": old])
    }

    func updateGroupSettings(_ groupID: String, key: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard groupIndexByID[groupID] != nil else { return .error(404, code: 4130, "Group does not exist: \(groupID).") }
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let patch):
            changeGroupSettings(groupID, patch, option: request.query["option"], lock: key == "lock_settings")
            return SimResponse(status: 204, body: .empty)
        }
    }

    /// Changes a group's (lock) settings and emits group.settings_updated / group.lock_settings_updated.
    public func changeGroupSettings(_ groupID: String, _ patch: JSONValue, option: String? = nil, lock: Bool = false) {
        guard let index = groupIndexByID[groupID] else { return }
        let key = lock ? "lock_settings" : "settings"
        let current = tenant.groups[index][key] ?? (lock ? Defaults.groupLock : Defaults.group)
        let (updated, changed, old) = Self.apply(patch, option: option, to: current)
        tenant.groups[index][key] = updated
        emit(lock ? "group.lock_settings_updated" : "group.settings_updated",
             object: ["id": .string(groupID), "settings": changed], oldObject: ["id": .string(groupID), "settings": old])
    }

    func updateUserSettings(_ userID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let index = userIndex(userID), let id = tenant.users[index]["id"]?.stringValue else {
            return .error(404, code: 1001, "User does not exist: \(userID).")
        }
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let patch):
            let current = Defaults.user.merging(tenant.userSettings?[id] ?? .object([:]))
            let (_, changed, old) = Self.apply(patch, option: request.query["option"], to: current)
            var overrides = tenant.userSettings ?? [:]
            let stored = overrides[id] ?? .object([:])
            overrides[id] = Self.apply(patch, option: request.query["option"], to: stored).0
            tenant.userSettings = overrides
            emit("user.settings_updated", object: ["id": .string(id), "settings": changed], oldObject: ["id": .string(id), "settings": old])
            return SimResponse(status: 204, body: .empty)
        }
    }

    /// The `object` of user.deactivated / activated / deleted / disassociated (the webhook documents allow no other keys).
    func userSummary(_ user: JSONValue) -> JSONValue {
        ["id": user["id"] ?? "", "first_name": user["first_name"] ?? "", "last_name": user["last_name"] ?? "",
         "email": user["email"] ?? "", "type": user["type"] ?? 1]
    }

    /// Keys the user.updated webhook document allows in `object` / `old_object`.
    static let userUpdatedKeys: Set<String> = [
        "id", "first_name", "last_name", "display_name", "email", "type", "phone_number", "phone_country", "company", "pmi",
        "use_pmi", "timezone", "pic_url", "vanity_name", "host_key", "role", "dept", "language", "settings",
        "custom_attributes", "primary_group_id",
    ]

    static func only(_ keys: Set<String>, of value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { keys.contains($0.key) })
    }

    func createUser(_ request: SimRequest, now: Date) -> SimResponse {
        let body: JSONValue
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let value): body = value
        }
        let action = body["action"]?.stringValue ?? "create"
        guard let info = body["user_info"], let email = info["email"]?.stringValue, email.contains("@") else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "user_info.email", "message": "Invalid field."]])
        }
        guard let type = info["type"]?.intValue, [1, 2, 4, 99].contains(type) else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "user_info.type", "message": "Invalid field."]])
        }
        if userIndexByEmail[email.lowercased()] != nil {
            return .error(409, code: 1005, "User already in the account: \(email).")
        }
        let id = Self.randomBase64URL(22)
        let first = info["first_name"]?.stringValue ?? ""
        let last = info["last_name"]?.stringValue ?? ""
        let pending = action == "create"
        var user: JSONValue = [
            "email": .string(email), "first_name": .string(first), "last_name": .string(last),
            "display_name": .string("\(first) \(last)".trimmingCharacters(in: .whitespaces)), "type": .int(type),
            "status": .string(pending ? "pending" : "active"), "role_id": "2", "verified": .int(pending ? 0 : 1),
            "user_created_at": .string(Self.isoSeconds(now)), "created_at": .string(Self.isoSeconds(now)),
            "timezone": "", "language": "en-US", "group_ids": [], "pmi": .int(Int64.random(in: 2_000_000_000...9_999_999_999)),
        ]
        if !pending { user["id"] = .string(id) }
        tenant.users.append(user)
        reindex()
        let object: JSONValue = ["id": .string(id), "first_name": .string(first), "last_name": .string(last),
                                 "display_name": user["display_name"] ?? "", "email": .string(email), "type": .int(type)]
        let creation: String = ["create": "create", "autoCreate": "autoCreate", "custCreate": "custCreate", "ssoCreate": "ssoCreate"][action] ?? "create"
        emit("user.created", object: object, extra: ["creation_type": .string(creation)])
        return SimResponse(status: 201, body: .json(["id": .string(id), "first_name": .string(first), "last_name": .string(last),
                                                     "email": .string(email), "type": .int(type)]))
    }

    func updateUser(_ userID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let index = userIndex(userID), let id = tenant.users[index]["id"]?.stringValue else {
            return .error(404, code: 1001, "User does not exist: \(userID).")
        }
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let patch):
            let old = Self.oldValues(of: patch, in: tenant.users[index])
            tenant.users[index] = tenant.users[index].merging(patch)
            reindex()
            var object = Self.only(Self.userUpdatedKeys, of: patch)
            object["id"] = .string(id)
            var oldObject = Self.only(Self.userUpdatedKeys, of: old)
            oldObject["id"] = .string(id)
            emit("user.updated", object: object, oldObject: oldObject)
            return SimResponse(status: 204, body: .empty)
        }
    }

    func deleteUser(_ userID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let index = userIndex(userID) else { return .error(404, code: 1001, "User does not exist: \(userID).") }
        let user = tenant.users.remove(at: index)
        if let id = user["id"]?.stringValue {
            for g in tenant.groups.indices {
                if let members = tenant.groups[g]["members"]?.arrayValue {
                    tenant.groups[g]["members"] = .array(members.filter { $0.stringValue != id })
                }
            }
            for r in tenant.roles.indices {
                if let members = tenant.roles[r]["members"]?.arrayValue {
                    tenant.roles[r]["members"] = .array(members.filter { $0.stringValue != id })
                }
            }
        }
        reindex()
        let action = request.query["action"] ?? "disassociate"
        emit(action == "delete" ? "user.deleted" : "user.disassociated", object: userSummary(user))
        return SimResponse(status: 204, body: .empty)
    }

    func updateUserStatus(_ userID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let index = userIndex(userID), tenant.users[index]["id"] != nil else {
            return .error(404, code: 1001, "User does not exist: \(userID).")
        }
        let body: JSONValue
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let value): body = value
        }
        guard let action = body["action"]?.stringValue, ["activate", "deactivate"].contains(action) else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "action", "message": "Invalid field."]])
        }
        setUserStatus(index: index, active: action == "activate")
        return SimResponse(status: 204, body: .empty)
    }

    func setUserStatus(index: Int, active: Bool) {
        tenant.users[index]["status"] = .string(active ? "active" : "inactive")
        emit(active ? "user.activated" : "user.deactivated", object: userSummary(tenant.users[index]))
    }

    /// Deactivates a user by id or email (admin helper); emits user.deactivated.
    public func deactivateUser(_ userID: String) -> Bool {
        guard let index = userIndex(userID) else { return false }
        setUserStatus(index: index, active: false)
        return true
    }

    func addGroupMembers(_ groupID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let groupIndex = groupIndexByID[groupID] else { return .error(404, code: 4130, "Group does not exist: \(groupID).") }
        let body: JSONValue
        switch requestJSON(request) {
        case .failure(let error): return error.response
        case .success(let value): body = value
        }
        guard let requested = body["members"]?.arrayValue, !requested.isEmpty else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "members", "message": "Invalid field."]])
        }
        var added: [JSONValue] = []
        var members = tenant.groups[groupIndex]["members"]?.arrayValue ?? []
        for member in requested {
            let key = member["id"]?.stringValue ?? member["email"]?.stringValue ?? ""
            guard let index = userIndex(key), let id = tenant.users[index]["id"]?.stringValue else {
                return .error(404, code: 1001, "User does not exist: \(key).")
            }
            if !members.contains(.string(id)) {
                members.append(.string(id))
                var groupIDs = tenant.users[index]["group_ids"]?.arrayValue ?? []
                groupIDs.append(.string(groupID))
                tenant.users[index]["group_ids"] = .array(groupIDs)
                added.append(["id": .string(id), "email": tenant.users[index]["email"] ?? ""])
            }
        }
        tenant.groups[groupIndex]["members"] = .array(members)
        if !added.isEmpty {
            emit("group.member_added", object: ["id": .string(groupID), "members": .array(added)],
                 extra: ["time_stamp": .int(Int64(now.timeIntervalSince1970 * 1000))])
        }
        return SimResponse(status: 201, body: .json(["ids": .string(added.compactMap { $0["id"]?.stringValue }.joined(separator: ",")),
                                                     "added_at": .string(Self.isoSeconds(now))]))
    }

    /// Records a sign-in or sign-out: a report row and the user.signed_in / user.signed_out webhook.
    public func recordSignIn(email: String, signOut: Bool = false, ipAddress: String = "198.51.100.7",
                             clientType: String = "Browser", version: String = "6.2.5.57813") -> Bool {
        guard let index = userIndexByEmail[email.lowercased()], let id = tenant.users[index]["id"]?.stringValue else { return false }
        let now = clock.now()
        tenant.activityLogs.insert([
            "email": .string(email), "time": .string(Self.isoSeconds(now)), "type": .string(signOut ? "Sign out" : "Sign in"),
            "ip_address": .string(ipAddress), "client_type": .string(clientType), "version": .string(version),
        ], at: 0)
        let webhookClient = ["Browser": "browser", "Windows": "win", "Mac": "mac", "iOS": "iphone", "Android": "android", "Linux": "linux"][clientType] ?? "browser"
        emit(signOut ? "user.signed_out" : "user.signed_in",
             object: ["id": .string(id), "email": .string(email), "client_type": .string(webhookClient),
                      "date_time": .string(Self.isoSeconds(now)), "version": .string(version), "login_type": 100],
             withOperator: false)
        return true
    }

    /// Records an admin operation in the operation log (newest first, as the report reads it). Zoom
    /// sends no webhook for these: they arrive with the next poll of the report.
    public func recordOperation(operator email: String? = nil, categoryType: String, action: String, detail: String) {
        let operatorEmail = email ?? operatorFields.email.stringValue ?? "admin@example.com"
        tenant.operationLogs.insert([
            "time": .string(Self.isoSeconds(clock.now())), "operator": .string(operatorEmail), "category_type": .string(categoryType),
            "action": .string(action), "operation_detail": .string(detail),
        ], at: 0)
    }
}
