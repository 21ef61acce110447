import Foundation
import SSPMCore
import ZoomProvider

/// Zoom connectors as tests write them (the provider's settings and credential names in one place).
extension ConnectorRecord {
    public static func zoom(id: String = UUID().uuidString.lowercased(), name: String, accountID: String, clientID: String, plan: String = "pro",
                            status: String = "connecting", apiURL: String? = nil, tokenURL: String? = nil) -> ConnectorRecord {
        var settings: [String: JSONValue] = ["account_id": .string(accountID), "client_id": .string(clientID), "plan": .string(plan)]
        if let apiURL { settings["api_url"] = .string(apiURL) }
        if let tokenURL { settings["token_url"] = .string(tokenURL) }
        return ConnectorRecord(id: id, provider: ZoomProvider.kind, name: name, settings: .object(settings), uniqueKey: clientID, status: status)
    }
}

extension ConnectorCredentials {
    public static func zoom(clientSecret: String, webhookSecretToken: String? = nil) -> ConnectorCredentials {
        var values = ["client_secret": clientSecret]
        if let webhookSecretToken { values["webhook_secret_token"] = webhookSecretToken }
        return ConnectorCredentials(values)
    }
}
