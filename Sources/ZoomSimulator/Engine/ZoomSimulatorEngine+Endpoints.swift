import Foundation
import SSPMCore
import ZoomAPI

extension ZoomSimulatorEngine {
    func dispatch(_ op: ZoomOperation, parameters p: [String: String], request original: SimRequest, now: Date) -> SimResponse {
        var request = original
        if let defaults = Self.listingDefaults(op, now: now) {
            switch listingRequest(original, defaults: defaults, now: now) {
            case .failure(let error): return error.response
            case .success(let resolved): request = resolved
            }
        }
        switch op {
        case .listUsers: return listUsers(request, now: now)
        case .getUser: return getUser(p["userId"] ?? "")
        case .getUserSettings: return userSettings(p["userId"] ?? "", request)
        case .updateUserSettings: return updateUserSettings(p["userId"] ?? "", request, now: now)
        case .createUser: return createUser(request, now: now)
        case .updateUser: return updateUser(p["userId"] ?? "", request, now: now)
        case .deleteUser: return deleteUser(p["userId"] ?? "", request, now: now)
        case .updateUserStatus: return updateUserStatus(p["userId"] ?? "", request, now: now)
        case .listGroups: return listGroups(request, now: now)
        case .getGroup: return getGroup(p["groupId"] ?? "")
        case .listGroupMembers: return listGroupMembers(p["groupId"] ?? "", request, now: now)
        case .addGroupMembers: return addGroupMembers(p["groupId"] ?? "", request, now: now)
        case .getGroupSettings: return groupSettings(p["groupId"] ?? "", key: "settings", request)
        case .getGroupLockSettings: return groupSettings(p["groupId"] ?? "", key: "lock_settings", request)
        case .updateGroupSettings: return updateGroupSettings(p["groupId"] ?? "", key: "settings", request, now: now)
        case .updateGroupLockSettings: return updateGroupSettings(p["groupId"] ?? "", key: "lock_settings", request, now: now)
        case .getAccountSettings: return accountSettings(p["accountId"] ?? "", lock: false, request)
        case .getAccountLockSettings: return accountSettings(p["accountId"] ?? "", lock: true, request)
        case .updateAccountSettings: return updateAccountSettings(p["accountId"] ?? "", lock: false, request, now: now)
        case .updateAccountLockSettings: return updateAccountSettings(p["accountId"] ?? "", lock: true, request, now: now)
        case .listManagedDomains: return managedDomains(p["accountId"] ?? "")
        case .listTrustedDomains: return trustedDomains(p["accountId"] ?? "")
        case .listRoles: return listRoles(request)
        case .getRole: return getRole(p["roleId"] ?? "")
        case .listRoleMembers: return listRoleMembers(p["roleId"] ?? "", request, now: now)
        case .reportSignInActivities: return report(request, now: now, operationLogs: false)
        case .reportOperationLogs: return report(request, now: now, operationLogs: true)
        case .listAccountChannels: return listChannels(userID: nil, request, now: now)
        case .listUserChannels: return listChannels(userID: p["userId"], request, now: now)
        default: return SimResponse.error(404, code: 2300, "This API endpoint is not recognized.")
        }
    }

    // MARK: Paging

    struct PageSlice {
        var items: ArraySlice<JSONValue>
        var next: String
        var pageSize: Int
        var pageNumber: Int
        var pageCount: Int
        var total: Int
    }

    /// Query parameters that move through a listing rather than choose what it lists.
    static let pagingParameters: Set<String> = ["next_page_token", "page_size", "page_number"]

    /// What a listing lists: the path and the query with the endpoint's defaults filled in, paging
    /// parameters left out. A page token is issued for one listing and continues only that one.
    struct Listing: Equatable {
        var path: String
        var query: [String: String]
    }

    /// The defaults a listing endpoint applies to parameters the request leaves out (nil: not a listing).
    static func listingDefaults(_ op: ZoomOperation, now: Date) -> [String: String]? {
        switch op {
        case .listUsers: return ["status": "active"]
        case .reportSignInActivities:
            let today = reportDay(now)
            return ["from": today, "to": today]
        case .reportOperationLogs: return ["category_type": "all"]
        case .listGroups, .listGroupMembers, .listRoleMembers, .listAccountChannels, .listUserChannels: return [:]
        default: return nil
        }
    }

    /// The request a listing endpoint answers. Without a page token: the request with `defaults`
    /// filled in. With one: the query the token was issued for (defaults included), so a follow-up
    /// that sends only `next_page_token` continues the listing, as Zoom does; a parameter the
    /// follow-up spells out must agree with the token's, or the token is refused (code 300).
    func listingRequest(_ request: SimRequest, defaults: [String: String], now: Date) -> Result<SimRequest, SimResponseError> {
        var resolved = request
        if let token = request.query["next_page_token"], !token.isEmpty {
            guard let cursor = liveCursor(token, now: now), cursor.listing.path == request.path else {
                return .failure(Self.invalidPageToken)
            }
            for (name, value) in request.query where !Self.pagingParameters.contains(name) {
                if cursor.listing.query[name] != value { return .failure(Self.invalidPageToken) }
            }
            resolved.query = cursor.listing.query.merging(request.query.filter { Self.pagingParameters.contains($0.key) }) { $1 }
        } else {
            resolved.query = defaults.merging(request.query) { $1 }
        }
        return .success(resolved)
    }

    static var invalidPageToken: SimResponseError {
        SimResponseError(.error(400, code: 300, "The next page token is invalid or expired."))
    }

    func liveCursor(_ token: String, now: Date) -> Cursor? {
        guard let cursor = cursors[token], now.timeIntervalSince(cursor.issuedAt) <= Self.pageTokenLifetime else { return nil }
        return cursor
    }

    /// Serves one page of `items` for `listing`; the token is opaque and expires after 15 minutes.
    /// `items` is evaluated for the first page only; later pages read the snapshot kept with the
    /// page token, so a listing is consistent and costs O(page) per request. A follow-up without
    /// `page_size` keeps the page size the listing started with.
    func page(_ makeItems: () -> [JSONValue], listing: Listing, _ request: SimRequest, op: ZoomOperation, now: Date) -> Result<PageSlice, SimResponseError> {
        var size = op.pageSizeDefault ?? 30
        if let text = request.query["page_size"] {
            guard let value = Int(text), value > 0 else {
                return .failure(SimResponseError(.error(400, code: 300, "Validation Failed.",
                    errors: [["field": "page_size", "message": "Invalid field."]])))
            }
            size = min(value, op.pageSizeMax ?? 300)
        }
        var offset = 0
        let items: [JSONValue]
        if let token = request.query["next_page_token"], !token.isEmpty {
            guard let cursor = liveCursor(token, now: now), cursor.listing == listing else { return .failure(Self.invalidPageToken) }
            if request.query["page_size"] == nil { size = cursor.pageSize }
            offset = cursor.offset
            items = cursor.items
        } else {
            items = makeItems()
        }
        let end = min(items.count, offset + size)
        var next = ""
        if end < items.count {
            next = Self.randomBase64URL(32)
            cursors[next] = Cursor(listing: listing, offset: end, pageSize: size, issuedAt: now, items: items)
            if cursors.count > 50_000 {
                cursors = cursors.filter { now.timeIntervalSince($0.value.issuedAt) <= Self.pageTokenLifetime }
            }
        }
        let start = min(offset, items.count)
        let pageCount = items.isEmpty ? 0 : (items.count + size - 1) / size
        return .success(PageSlice(items: items[start..<end], next: next, pageSize: size,
                                  pageNumber: start / size + 1, pageCount: pageCount, total: items.count))
    }

    struct SimResponseError: Error { let response: SimResponse; init(_ r: SimResponse) { response = r } }

    /// The listing a (resolved, see `listingRequest`) request asks for.
    func listingKey(_ request: SimRequest) -> Listing {
        Listing(path: request.path, query: request.query.filter { !Self.pagingParameters.contains($0.key) })
    }

    // MARK: Users

    static let userDetailOnlyKeys: Set<String> = [
        "account_id", "account_number", "role_name", "use_pmi", "personal_meeting_url", "jid", "login_types", "cluster",
        "job_title", "company", "location", "manager", "pic_url", "phone_numbers", "vanity_url", "zoom_one_type",
        "cms_user_id", "pronouns", "cost_center", "phone_country", "im_group_ids",
    ]

    func listUsers(_ request: SimRequest, now: Date) -> SimResponse {
        let status = request.query["status"] ?? "active"
        guard ["active", "inactive", "pending"].contains(status) else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "status", "message": "Invalid field."]])
        }
        let roleID = request.query["role_id"]
        let users = tenant.users
        let matching = {
            users.filter { user in
                (user["status"]?.stringValue ?? "active") == status && (roleID == nil || user["role_id"]?.stringValue == roleID)
            }
        }
        switch page(matching, listing: listingKey(request), request, op: .listUsers, now: now) {
        case .failure(let error): return error.response
        case .success(let slice):
            let users = slice.items.map { user -> JSONValue in
                guard case .object(var members) = user else { return user }
                for key in Self.userDetailOnlyKeys { members[key] = nil }
                return .object(members)
            }
            return SimResponse(status: 200, body: .json([
                "next_page_token": .string(slice.next), "page_count": .int(Int64(slice.pageCount)),
                "page_number": .int(Int64(slice.pageNumber)), "page_size": .int(Int64(slice.pageSize)),
                "total_records": .int(Int64(slice.total)), "users": .array(users),
            ]))
        }
    }

    func userIndex(_ userID: String) -> Int? {
        if userID == "me" { return ownerIndex }
        return userIndexByID[userID] ?? userIndexByEmail[userID.lowercased()]
    }

    var ownerIndex: Int? {
        tenant.users.firstIndex { $0["role_id"]?.stringValue == "0" } ?? (tenant.users.isEmpty ? nil : 0)
    }

    var operatorUser: JSONValue? { ownerIndex.map { tenant.users[$0] } }

    static let roleNames = ["0": "Owner", "1": "Admin", "2": "Member"]

    func getUser(_ userID: String) -> SimResponse {
        guard let index = userIndex(userID) else {
            return .error(404, code: 1001, "User does not exist: \(userID).")
        }
        var user = tenant.users[index]
        let roleID = user["role_id"]?.stringValue ?? "2"
        if user["account_id"] == nil { user["account_id"] = .string(tenant.accountID) }
        if user["role_name"] == nil {
            let custom = tenant.roles.first { $0["id"]?.stringValue == roleID }?["name"]?.stringValue
            user["role_name"] = .string(Self.roleNames[roleID] ?? custom ?? "Member")
        }
        if user["login_types"] == nil { user["login_types"] = [100] }
        if user["use_pmi"] == nil { user["use_pmi"] = false }
        if user["cluster"] == nil { user["cluster"] = "us06" }
        if let pmi = user["pmi"]?.intValue, user["personal_meeting_url"] == nil {
            user["personal_meeting_url"] = .string("https://us06web.zoom.us/j/\(pmi)")
        }
        return SimResponse(status: 200, body: .json(user))
    }

    func userSettings(_ userID: String, _ request: SimRequest) -> SimResponse {
        guard let index = userIndex(userID), let id = tenant.users[index]["id"]?.stringValue else {
            return .error(404, code: 1001, "User does not exist: \(userID).")
        }
        let document = Defaults.user.merging(tenant.userSettings?[id] ?? .object([:]))
        return settingsResponse(document, option: request.query["option"], allowed: ["meeting_authentication", "recording_authentication", "meeting_security"])
    }

    /// Serves a settings document in the tenant-file convention for an `option=` value.
    func settingsResponse(_ document: JSONValue, option: String?, allowed: Set<String>) -> SimResponse {
        guard let option, !option.isEmpty else {
            guard case .object(var members) = document else { return SimResponse(status: 200, body: .json(document)) }
            for key in ["meeting_security", "meeting_authentication", "recording_authentication"] { members[key] = nil }
            return SimResponse(status: 200, body: .json(.object(members)))
        }
        guard allowed.contains(option) else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "option", "message": "Invalid field."]])
        }
        switch option {
        case "meeting_security", "security":
            return SimResponse(status: 200, body: .json([option: document[option] ?? .object([:])]))
        default:
            return SimResponse(status: 200, body: .json(document[option] ?? .object([:])))
        }
    }

    // MARK: Account

    func isOwnAccount(_ accountID: String) -> Bool { accountID == "me" || accountID == tenant.accountID }

    func accountSettings(_ accountID: String, lock: Bool, _ request: SimRequest) -> SimResponse {
        guard isOwnAccount(accountID) else { return .error(404, code: 2001, "Account does not exist: \(accountID).") }
        if lock {
            let document = tenant.lockSettings ?? Defaults.accountLock
            return settingsResponse(document, option: request.query["option"], allowed: ["meeting_security"])
        }
        let document = tenant.settings ?? Defaults.account
        return settingsResponse(document, option: request.query["option"],
                                allowed: ["meeting_authentication", "recording_authentication", "security", "meeting_security"])
    }

    func managedDomains(_ accountID: String) -> SimResponse {
        guard isOwnAccount(accountID) else { return .error(404, code: 2001, "Account does not exist: \(accountID).") }
        return SimResponse(status: 200, body: .json(tenant.managedDomains ?? ["domains": [], "total_records": 0]))
    }

    func trustedDomains(_ accountID: String) -> SimResponse {
        guard isOwnAccount(accountID) else { return .error(404, code: 2001, "Account does not exist: \(accountID).") }
        return SimResponse(status: 200, body: .json(tenant.trustedDomains ?? ["trusted_domains": []]))
    }

    // MARK: Groups

    func listGroups(_ request: SimRequest, now: Date) -> SimResponse {
        let groups = tenant.groups
        let items = {
            groups.map { group -> JSONValue in
                var summary: JSONValue = ["id": group["id"] ?? "", "name": group["name"] ?? ""]
                summary["total_members"] = .int(Int64(group["members"]?.arrayValue?.count ?? Int(group["total_members"]?.intValue ?? 0)))
                return summary
            }
        }
        switch page(items, listing: listingKey(request), request, op: .listGroups, now: now) {
        case .failure(let error): return error.response
        case .success(let slice):
            return SimResponse(status: 200, body: .json([
                "groups": .array(Array(slice.items)), "total_records": .int(Int64(slice.total)),
                "next_page_token": .string(slice.next),
            ]))
        }
    }

    func getGroup(_ groupID: String) -> SimResponse {
        guard let index = groupIndexByID[groupID] else { return .error(404, code: 4130, "Group does not exist: \(groupID).") }
        let group = tenant.groups[index]
        return SimResponse(status: 200, body: .json([
            "id": group["id"] ?? "", "name": group["name"] ?? "",
            "total_members": .int(Int64(group["members"]?.arrayValue?.count ?? 0)),
        ]))
    }

    func listGroupMembers(_ groupID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let index = groupIndexByID[groupID] else { return .error(404, code: 4130, "Group does not exist: \(groupID).") }
        let ids = tenant.groups[index]["members"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let members = ids.compactMap { id -> JSONValue? in
            guard let userIndex = userIndexByID[id] else { return nil }
            let user = tenant.users[userIndex]
            return [
                "id": .string(id), "email": user["email"] ?? "", "first_name": user["first_name"] ?? "",
                "last_name": user["last_name"] ?? "", "type": user["type"] ?? 1,
                "primary_group": .bool(user["group_ids"]?.arrayValue?.first?.stringValue == groupID),
            ]
        }
        return memberPage(members, request, op: .listGroupMembers, now: now)
    }

    func memberPage(_ members: [JSONValue], _ request: SimRequest, op: ZoomOperation, now: Date) -> SimResponse {
        switch page({ members }, listing: listingKey(request), request, op: op, now: now) {
        case .failure(let error): return error.response
        case .success(let slice):
            return SimResponse(status: 200, body: .json([
                "members": .array(Array(slice.items)), "next_page_token": .string(slice.next),
                "page_count": .int(Int64(slice.pageCount)), "page_number": .int(Int64(slice.pageNumber)),
                "page_size": .int(Int64(slice.pageSize)), "total_records": .int(Int64(slice.total)),
            ]))
        }
    }

    func groupSettings(_ groupID: String, key: String, _ request: SimRequest) -> SimResponse {
        guard let index = groupIndexByID[groupID] else { return .error(404, code: 4130, "Group does not exist: \(groupID).") }
        let base = key == "settings" ? Defaults.group : Defaults.groupLock
        let document = tenant.groups[index][key] ?? base
        let allowed: Set<String> = key == "settings"
            ? ["meeting_authentication", "recording_authentication", "meeting_security"] : ["meeting_security"]
        return settingsResponse(document, option: request.query["option"], allowed: allowed)
    }

    // MARK: Roles

    func listRoles(_ request: SimRequest) -> SimResponse {
        let type = request.query["type"] ?? "common"
        let roles = tenant.roles.filter { ($0["type"]?.stringValue ?? "common") == type }.map { role -> JSONValue in
            var summary: JSONValue = ["id": role["id"] ?? "", "name": role["name"] ?? "", "description": role["description"] ?? "",
                                      "type": role["type"] ?? "common"]
            summary["total_members"] = .int(Int64(role["members"]?.arrayValue?.count ?? Int(role["total_members"]?.intValue ?? 0)))
            return summary
        }
        return SimResponse(status: 200, body: .json(["roles": .array(roles), "total_records": .int(Int64(roles.count))]))
    }

    func roleIndex(_ roleID: String) -> Int? { tenant.roles.firstIndex { $0["id"]?.stringValue == roleID } }

    func getRole(_ roleID: String) -> SimResponse {
        guard let index = roleIndex(roleID) else { return .error(400, code: 1034, "Provided `role_id` does not exist.") }
        var role = tenant.roles[index]
        role["total_members"] = .int(Int64(role["members"]?.arrayValue?.count ?? 0))
        role["members"] = nil
        if role["privileges"] == nil { role["privileges"] = .array([]) }
        return SimResponse(status: 200, body: .json(role))
    }

    func listRoleMembers(_ roleID: String, _ request: SimRequest, now: Date) -> SimResponse {
        guard let index = roleIndex(roleID) else { return .error(400, code: 1034, "Provided `role_id` does not exist.") }
        let ids = tenant.roles[index]["members"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let members = ids.compactMap { id -> JSONValue? in
            guard let userIndex = userIndexByID[id] else { return nil }
            let user = tenant.users[userIndex]
            return ["id": .string(id), "email": user["email"] ?? "", "first_name": user["first_name"] ?? "",
                    "last_name": user["last_name"] ?? "", "type": user["type"] ?? 1, "department": user["dept"] ?? ""]
        }
        return memberPage(members, request, op: .listRoleMembers, now: now)
    }

    // MARK: Reports

    static func utcCalendar() -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// `yyyy-MM-dd` of a date in UTC (the reports' default `from` and `to` are today).
    static func reportDay(_ date: Date) -> String {
        let day = utcCalendar().dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", day.year ?? 1970, day.month ?? 1, day.day ?? 1)
    }

    static func parseReportDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// Parses Zoom's `yyyy-MM-ddTHH:mm:ssZ` quickly (report filters parse every row).
    static func parseTimestamp(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
        else {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month)
        else { return nil }
        // Days from civil (Howard Hinnant's algorithm), UTC.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second))
    }

    func report(_ request: SimRequest, now: Date, operationLogs: Bool) -> SimResponse {
        if tenant.plan == .free { return .error(400, code: 200, "No permission.") }
        let calendar = Self.utcCalendar()
        let today = calendar.startOfDay(for: now)
        let fromText = request.query["from"]
        let toText = request.query["to"]
        if operationLogs, fromText == nil || toText == nil {
            return .error(400, code: 300, "Validation Failed.",
                          errors: [["field": .string(fromText == nil ? "from" : "to"), "message": "Invalid field."]])
        }
        guard let from = fromText.map(Self.parseReportDate) ?? today, let toDay = toText.map(Self.parseReportDate) ?? today else {
            return .error(400, code: 300, "Validation Failed.", errors: [["field": "from", "message": "Invalid field."]])
        }
        // The messages below are ours: Zoom documents the limits but not these error texts.
        if toDay < from { return .error(400, code: 300, "The to date must not be before the from date.") }
        if let limit = calendar.date(byAdding: .month, value: 1, to: from), toDay > limit {
            return .error(400, code: 300, "The date range cannot exceed one month. Request one month at a time.")
        }
        if let oldest = calendar.date(byAdding: .month, value: -6, to: today), from < oldest {
            return .error(400, code: 300, "The from date must be within the last six months.")
        }
        let to = toText.map { $0.count > 10 } == true ? toDay.addingTimeInterval(59) : calendar.date(byAdding: .day, value: 1, to: toDay)!
        let source = operationLogs ? tenant.operationLogs : tenant.activityLogs
        let categoryType = request.query["category_type"]
        let rows = {
            source.filter { row in
                guard let time = row["time"]?.stringValue.flatMap(Self.parseTimestamp), time >= from, time < to, time <= now else { return false }
                if operationLogs, let categoryType, categoryType != "all" {
                    return row["category_type"]?.stringValue?.lowercased() == categoryType.lowercased()
                }
                return true
            }
        }
        let op: ZoomOperation = operationLogs ? .reportOperationLogs : .reportSignInActivities
        switch page(rows, listing: listingKey(request), request, op: op, now: now) {
        case .failure(let error): return error.response
        case .success(let slice):
            var body: JSONValue = ["next_page_token": .string(slice.next), "page_size": .int(Int64(slice.pageSize))]
            if operationLogs {
                body["operation_logs"] = .array(Array(slice.items))
            } else {
                body["from"] = .string(Self.isoSeconds(from))
                body["to"] = .string(Self.isoSeconds(toDay))
                body["activity_logs"] = .array(Array(slice.items))
            }
            return SimResponse(status: 200, body: .json(body))
        }
    }

    // MARK: Team Chat

    func listChannels(userID: String?, _ request: SimRequest, now: Date) -> SimResponse {
        var channels = tenant.channels
        if let userID {
            guard let index = userIndex(userID), let id = tenant.users[index]["id"]?.stringValue else {
                return .error(404, code: 1001, "User does not exist: \(userID).")
            }
            channels = channels.filter { channel in
                channel["members"]?.arrayValue?.contains(.string(id)) ?? false
            }
        } else {
            // GET /chat/channels lists the account's public channels.
            channels = channels.filter { [3, 5].contains($0["type"]?.intValue ?? 3) }
        }
        let items = {
            channels.map { channel -> JSONValue in
                var copy = channel
                copy["members"] = nil
                return copy
            }
        }
        let op: ZoomOperation = userID == nil ? .listAccountChannels : .listUserChannels
        switch page(items, listing: listingKey(request), request, op: op, now: now) {
        case .failure(let error): return error.response
        case .success(let slice):
            return SimResponse(status: 200, body: .json([
                "channels": .array(Array(slice.items)), "next_page_token": .string(slice.next),
                "page_size": .int(Int64(slice.pageSize)), "total_records": .int(Int64(slice.total)),
            ]))
        }
    }
}
