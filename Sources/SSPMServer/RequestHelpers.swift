import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SSPMCore
import SSPMStorage

/// Who may call a route. The route that matched decides (never the spelling of the path), and the
/// gate runs before the handler reads or changes anything.
public enum Access: String, Sendable {
    /// Anyone: health, metrics, the document, webhooks (signed), sign-in and first-run setup.
    case open
    /// A signed-in operator of any role (API: session or token; pages: session).
    case signedIn
    /// A signed-in admin.
    case admin
}

/// One documented operation: the router is built from this table, and a test holds it equal to
/// the paths of docs/openapi.yaml.
public struct RouteSpec: Sendable {
    public let method: HTTPRequest.Method
    /// OpenAPI form: `/api/v1/connectors/{connectorId}`.
    public let path: String
    public let access: Access
    let handler: @Sendable (Request, SSPMRequestContext) async throws -> Response

    init(method: HTTPRequest.Method, path: String, access: Access, handler: @escaping @Sendable (Request, SSPMRequestContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }

    /// Hummingbird form: `/api/v1/connectors/:connectorId`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }
}

enum Body {
    static let limit = 1 << 20

    /// The raw body, up to `limit` bytes (413 beyond it, whatever the endpoint).
    static func data(_ request: Request) async throws -> Data {
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readData(length: buffer.readableBytes) ?? Data()
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.badRequest, "bad_body", "The request body could not be read: it is malformed or was cut short.",
                           fix: "Send the whole body (with a correct Content-Length or chunked encoding); nothing was changed.")
        }
    }

    /// A JSON request body: `Content-Type: application/json` is required (415 otherwise), so a
    /// cross-site HTML form (which can only send form or text types) never reaches a JSON endpoint.
    /// Nil when the request has no body (for endpoints where it is optional).
    static func json(_ request: Request) async throws -> Data? {
        if request.headers[.contentType] == nil, !present(request) { return nil }
        guard isJSON(request.headers[.contentType]) else { throw APIError.unsupportedMediaType(request) }
        let data = try await Self.data(request)
        return data.isEmpty ? nil : data
    }

    /// Whether the request carries a body (a positive Content-Length, or chunked).
    static func present(_ request: Request) -> Bool {
        (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0 || request.headers[.transferEncoding] != nil
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return media == "application/json"
    }

    /// Decodes a JSON body, with errors that say where and what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        guard let data = try await json(request) else {
            throw APIError.badRequest("The request body is empty; this endpoint takes a JSON object.", fix: "Send Content-Type: application/json and a JSON body.")
        }
        return try decode(type, data: data)
    }

    /// A Swift type as a JSON client knows it.
    static func jsonKind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array<") || name.hasPrefix("[") { return "an array" }
            if name.hasPrefix("Dictionary<") { return "an object" }
            return "of another type (see the API document)"
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, let context) {
            let path = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw APIError.badRequest("The field '\(path)' is missing.", fix: "Add it and send again; nothing was changed.")
        } catch DecodingError.typeMismatch(let expected, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            if path.isEmpty { throw APIError.badRequest("The body must be a JSON object.", fix: "Send a JSON object ({…}); nothing was changed.") }
            throw APIError.badRequest("The field '\(path)' must be \(Self.jsonKind(expected)).", fix: "Correct it and send again; nothing was changed.")
        } catch DecodingError.valueNotFound(let expected, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            if path.isEmpty { throw APIError.badRequest("The body must be a JSON object.", fix: "Send a JSON object ({…}); nothing was changed.") }
            throw APIError.badRequest("The field '\(path)' is null; it must be \(Self.jsonKind(expected)).", fix: "Give it a value, or leave it out if it is optional; nothing was changed.")
        } catch DecodingError.dataCorrupted(let context) {
            if context.codingPath.isEmpty {
                // Foundation reports a number that does not fit its field (2.5 or 1e30 for a whole
                // number) without a path, as if the JSON were broken: say what it is.
                if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil {
                    throw APIError.badRequest("A number in the body does not fit its field: a field that takes a whole number got a fraction, or a number too large.",
                                              fix: "Send whole numbers within the documented ranges (docs/openapi.yaml); nothing was changed.")
                }
                throw APIError.badRequest("The body is not valid JSON (\(JSONErrorLocation.describe(context, in: data))).", fix: "Fix the JSON and send again; nothing was changed.")
            }
            throw APIError.badRequest("The field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' is invalid: \(context.debugDescription)",
                                      fix: "Correct it and send again; nothing was changed.")
        } catch let error as APIError {
            // A body type's own check (a field's length, say) already says what is wrong.
            throw error
        } catch {
            throw APIError.badRequest("The body could not be read as JSON: \(error).", fix: "Fix the JSON and send again; nothing was changed.")
        }
    }
}

struct Query {
    let request: Request

    /// The first value of `name`. The query is decoded as a form (`+` is a space, as browsers send
    /// GET forms); Hummingbird's own query parameters keep the `+`.
    func string(_ name: String) -> String? {
        guard let value = FormEncoding.pairs(request.uri.query ?? "").first(where: { $0.0 == name })?.1, !value.isEmpty else { return nil }
        return value
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("\(name)=\(text.prefix(40)) is not a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }

    func bool(_ name: String, default value: Bool) throws -> Bool {
        guard let text = string(name) else { return value }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("\(name)=\(text.prefix(40)) is not true or false.", fix: "Send \(name)=true or \(name)=false.")
        }
    }

    /// ISO 8601: a date (2026-11-20) or a date-time (2026-11-20T10:00:00Z).
    func date(_ name: String, endOfDay: Bool = false) throws -> Date? {
        guard let text = string(name) else { return nil }
        guard let (date, day) = FastFormats.parseInput(text) else {
            throw APIError.badRequest("\(name)=\(text.prefix(40)) is not a date (YYYY-MM-DD) or an RFC 3339 date-time.", fix: "Use 2026-11-20 or 2026-11-20T10:00:00Z.")
        }
        return day && endOfDay ? date.addingTimeInterval(86_399.999) : date
    }

    /// A comma-separated list, each value from `allowed` when given; an empty item (`a,,b`, `,`) is refused.
    func list(_ name: String, allowed: [String]? = nil) throws -> [String]? {
        guard let text = string(name) else { return nil }
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if values.contains(where: \.isEmpty) {
            throw APIError.badRequest("\(name) has an empty value.", fix: "Separate values with single commas, e.g. \(name)=\((allowed ?? ["a", "b"]).prefix(2).joined(separator: ",")).")
        }
        if let allowed {
            let unknown = values.filter { !allowed.contains($0) }
            if !unknown.isEmpty {
                throw APIError.badRequest("\(name) has unknown value(s): \(unknown.joined(separator: ", ")).", fix: "Use \(allowed.joined(separator: ", ")).")
            }
        }
        return values
    }
}

extension Query {
    /// The activity filters, read one way for the API, its CSV/OCSF exports and the web page:
    /// `type` (list), `user` (an e-mail address, case-insensitive: providers report them in lower case),
    /// `ip`, `from`/`to` (a date or a date-time), `cursor`, `limit`.
    func activityQuery(connectorID: String, defaultLimit: Int) throws -> ActivityQuery {
        let query = ActivityQuery(connectorID: connectorID, kinds: try list("type", allowed: ["signin", "operation", "webhook"]),
                                  user: string("user").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : $0 },
                                  ipAddress: string("ip").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 },
                                  from: try date("from"), to: try date("to", endOfDay: true), cursor: string("cursor"),
                                  limit: try int("limit", default: defaultLimit, range: 1...5000))
        if let from = query.from, let to = query.to, from > to { throw APIError.badRequest("from is after to.", fix: "Swap them.") }
        return query
    }
}

/// Text with nothing in it but white space, line breaks and control characters: what the
/// document's `pattern: "[^\\s\\x00-\\x1f\\x7f-\\x9f]"` refuses.
func isBlank(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
}

extension Request {
    var query: Query { Query(request: self) }

    /// Lower-cased header names to values (the webhook verifier's input).
    var headerDictionary: [String: String] {
        var result: [String: String] = [:]
        for field in headers { result[field.name.canonicalName.lowercased()] = field.value }
        return result
    }
}

extension SSPMRequestContext {
    func require(_ name: String) throws -> String { try parameters.require(name) }

    var caller: Principal {
        get throws {
            guard let principal else { throw APIError.unauthenticated }
            return principal
        }
    }
}

