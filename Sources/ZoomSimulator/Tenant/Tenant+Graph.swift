import Foundation
import GraphSimulator
import SSPMCore

extension Tenant {
    /// A Microsoft 365 tenant for this Zoom account (its people and associated domains), with the
    /// usual mismatches (`GraphTenantGenerator`).
    public func pairedGraphTenant(seed: UInt64 = 1) -> GraphTenant {
        let people = users.compactMap { user -> GraphTenantGenerator.Person? in
            guard let email = user["email"]?.stringValue else { return nil }
            let name = [user["first_name"]?.stringValue, user["last_name"]?.stringValue].compactMap { $0 }.joined(separator: " ")
            return .init(email: email.lowercased(), name: name.isEmpty ? email : name, active: user["status"]?.stringValue == "active")
        }
        let domains = (managedDomains?["domains"]?.arrayValue ?? []).compactMap { $0["domain"]?.stringValue?.lowercased() }
        return GraphTenantGenerator(people: people, domains: domains, seed: seed).generate()
    }
}
