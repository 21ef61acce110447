/// Zoom's rate-limit categories ("Rate Limit Label" in the API reference).
public enum RateLimitCategory: String, Sendable, CaseIterable, Codable, Hashable {
    case light = "Light"
    case medium = "Medium"
    case heavy = "Heavy"
    case resourceIntensive = "Resource-intensive"
}

/// One Zoom REST operation as Zoom's official OpenAPI documents describe it: method, path
/// template, rate-limit category, the scopes that grant it and its page-size bounds.
/// The catalogue of operations we use is generated into `Generated/ZoomOperation+Catalogue.swift`
/// by `scripts/gen_zoom_catalogue.py` and committed.
public struct ZoomOperation: Sendable, Hashable {
    public enum Method: String, Sendable { case get = "GET", post = "POST", patch = "PATCH", put = "PUT", delete = "DELETE" }
    public let operationId: String
    public let method: Method
    public let path: String
    public let category: RateLimitCategory
    public let classicScopes: [String]
    public let granularScopes: [String]
    public let pageSizeDefault: Int?
    public let pageSizeMax: Int?

    public init(
        operationId: String, method: Method, path: String, category: RateLimitCategory,
        classicScopes: [String], granularScopes: [String], pageSizeDefault: Int?, pageSizeMax: Int?
    ) {
        self.operationId = operationId
        self.method = method
        self.path = path
        self.category = category
        self.classicScopes = classicScopes
        self.granularScopes = granularScopes
        self.pageSizeDefault = pageSizeDefault
        self.pageSizeMax = pageSizeMax
    }

    /// `GET /users`: the method and the path template, as errors, logs and request counts name it.
    public var endpoint: String { "\(method.rawValue) \(path)" }

    /// Any one of these scopes grants the operation.
    public var acceptedScopes: Set<String> { Set(classicScopes).union(granularScopes) }

    /// The path with `{name}` placeholders filled in (values are percent-encoded).
    public func concretePath(_ parameters: [String: String] = [:]) -> String {
        var result = path
        for (name, value) in parameters {
            let encoded = value.addingPercentEncodingForPathSegment()
            result = result.replacingOccurrences(of: "{\(name)}", with: encoded)
        }
        return result
    }

    /// Matches a concrete path (without the `/v2` prefix) against this operation's template and
    /// returns the path parameters, or nil.
    public func match(method: String, path concrete: String) -> [String: String]? {
        guard method == self.method.rawValue else { return nil }
        let templateParts = path.split(separator: "/", omittingEmptySubsequences: true)
        let concreteParts = concrete.split(separator: "/", omittingEmptySubsequences: true)
        guard templateParts.count == concreteParts.count else { return nil }
        var parameters: [String: String] = [:]
        for (template, part) in zip(templateParts, concreteParts) {
            if template.hasPrefix("{") && template.hasSuffix("}") {
                let name = String(template.dropFirst().dropLast())
                parameters[name] = String(part).removingPercentEncoding ?? String(part)
            } else if template != part {
                return nil
            }
        }
        return parameters
    }
}

extension String {
    func addingPercentEncodingForPathSegment() -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}

import Foundation
