import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SSPMCore

/// One documented operation: the router is built from this table, and a test holds it equal to
/// the paths of docs/openapi.yaml.
public struct RouteSpec: Sendable {
    public let method: HTTPRequest.Method
    /// OpenAPI form: `/api/v1/connectors/{connectorId}`.
    public let path: String
    let handler: @Sendable (Request, SSPMRequestContext) async throws -> Response

    /// Hummingbird form: `/api/v1/connectors/:connectorId`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }
}

enum Body {
    static let limit = 1 << 20

    static func data(_ request: Request) async throws -> Data {
        var buffer = try await request.body.collect(upTo: limit)
        return buffer.readData(length: buffer.readableBytes) ?? Data()
    }

    /// Decodes a JSON body, with errors that say where and what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let data: Data
        do { data = try await Self.data(request) } catch {
            throw APIError(.contentTooLarge, "too_large", "The request body is larger than \(limit / 1024) KiB.")
        }
        guard !data.isEmpty else { throw APIError.badRequest("The request body is empty; this endpoint takes a JSON object.", fix: "Send Content-Type: application/json and a JSON body.") }
        return try decode(type, data: data)
    }

    static func decode<T: Decodable>(_ type: T.Type, data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, let context) {
            let path = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw APIError.badRequest("The field '\(path)' is missing.", fix: "Add it and send again; nothing was changed.")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("The field '\(path)' has the wrong type: \(context.debugDescription)", fix: "Correct it and send again; nothing was changed.")
        } catch DecodingError.dataCorrupted(let context) {
            if context.codingPath.isEmpty {
                throw APIError.badRequest("The body is not valid JSON (\(JSONErrorLocation.describe(context, in: data))).", fix: "Fix the JSON and send again; nothing was changed.")
            }
            throw APIError.badRequest("The field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' is invalid: \(context.debugDescription)",
                                      fix: "Correct it and send again; nothing was changed.")
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
        default: throw APIError.badRequest("\(name)=\(text.prefix(40)) is not true or false.")
        }
    }

    /// ISO 8601: a date (2026-11-20) or a date-time (2026-11-20T10:00:00Z).
    func date(_ name: String, endOfDay: Bool = false) throws -> Date? {
        guard let text = string(name) else { return nil }
        if let date = ActivityCorrelation.parseTime(text) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        if let day = formatter.date(from: text) { return endOfDay ? day.addingTimeInterval(86_399.999) : day }
        throw APIError.badRequest("\(name)=\(text.prefix(40)) is not an ISO 8601 date or date-time.", fix: "Use 2026-11-20 or 2026-11-20T10:00:00Z.")
    }

    /// A comma-separated list, each value from `allowed` when given.
    func list(_ name: String, allowed: [String]? = nil) throws -> [String]? {
        guard let text = string(name) else { return nil }
        let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let allowed {
            let unknown = values.filter { !allowed.contains($0) }
            if !unknown.isEmpty {
                throw APIError.badRequest("\(name) has unknown value(s): \(unknown.joined(separator: ", ")).", fix: "Use \(allowed.joined(separator: ", ")).")
            }
        }
        return values
    }
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

/// application/x-www-form-urlencoded, for query strings and form bodies.
enum FormEncoding {
    static func pairs(_ text: String) -> [(String, String)] {
        func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
        return text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}
