import Foundation
import SSPMCore

/// The user inventory's search, for the API and the web page alike: `search` matches the e-mail
/// address or the display name (case-insensitive), `status` exactly, `role` the role id or name;
/// sorted by e-mail address.
struct UserSelection {
    var search: String?
    var status: String?
    var role: String?

    func apply(to users: [InventoryUser]) -> [InventoryUser] {
        let search = search?.lowercased()
        return users.filter { u in
            (search.map { u.email.lowercased().contains($0) || u.displayName.lowercased().contains($0) } ?? true)
                && (status.map { u.status == $0 } ?? true) && (role.map { u.roleID == $0 || u.roleName?.lowercased() == $0.lowercased() } ?? true)
        }.sorted { $0.email < $1.email }
    }
}
