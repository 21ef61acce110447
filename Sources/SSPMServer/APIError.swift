import Foundation
import HTTPTypes
import Logging
import Hummingbird
import NIOCore
import SSPMCore
import SSPMProvider

/// An error the API answers with: `{"error": {"code", "message", "fix"?, "details"?}}`.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var fix: String?
    public var details: JSONValue?
    public var headers: HTTPFields = [:]

    /// The longest message answered, in code points: a message quotes what was sent, and a
    /// `prefix` of characters there is no bound (one character may hold thousands of marks).
    static let longestMessage = 2000

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, fix: String? = nil, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = Self.cut(message, at: Self.longestMessage)
        self.fix = fix
        self.details = details
    }

    /// `text` cut at `limit` code points, with "…" when it was longer.
    static func cut(_ text: String, at limit: Int) -> String {
        text.unicodeScalars.count > limit ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "…" : text
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: JSONValue = ["code": .string(code), "message": .string(message)]
        if let fix { error["fix"] = .string(fix) }
        if let details { error["details"] = details }
        var response = JSONResponse.make(["error": error], status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    /// How the API and the pages answer a store's refusal.
    init(_ error: StoreError) {
        switch error {
        case .notFound(let what): self = .notFound(what)
        case .duplicateConnector: self.init(.conflict, "duplicate_connector", error.description)
        case .cannotUnseal: self.init(.internalServerError, "cannot_unseal", error.description)
        case .busy:
            self.init(.serviceUnavailable, "database_busy", error.description,
                      fix: "Retry in a few seconds. If it keeps happening, the database is overloaded or its disk stalls: the server log says when.")
            headers[.retryAfter] = "5"
        }
    }

    /// The message and its fix as one sentence, as the web UI shows them.
    var sentence: String { message + (fix.map { " " + $0 } ?? "") }

    static func badRequest(_ message: String, fix: String? = nil) -> APIError { APIError(.badRequest, "bad_request", message, fix: fix) }
    /// A provider's refusal, as the API says it.
    init(_ refusal: ProviderRefusal) {
        self.init(HTTPResponse.Status(code: refusal.status), refusal.code, refusal.message, fix: refusal.fix)
    }

    /// `what` names the thing and its id as the request gave it, cut at 160 characters (an id from a
    /// path or a body is echoed, never a megabyte of it).
    static func notFound(_ what: String) -> APIError {
        return APIError(.notFound, "not_found", "\(cut(what, at: 160)) was not found.", fix: "Check the id; list them with GET on the collection.")
    }
    static let unauthenticated = APIError(.unauthorized, "unauthenticated", "Sign in first.",
                                          fix: "Send a session cookie from POST /api/v1/auth/login, or an API token as 'Authorization: Bearer …'.")
    static let tooLarge = APIError(.contentTooLarge, "too_large", "The request body is larger than \(Body.limit / 1024) KiB.",
                                   fix: "Send a smaller body; nothing was changed.")
    static var signInBusy: APIError {
        var error = APIError(.serviceUnavailable, "busy", "Too many sign-ins are being checked right now.", fix: "Try again in a few seconds.")
        error.headers[.retryAfter] = "2"
        return error
    }
    static func unsupportedMediaType(_ request: Request) -> APIError {
        APIError(.unsupportedMediaType, "unsupported_media_type",
                 "The body must be JSON sent as Content-Type: application/json (got \(request.headers[.contentType].map { "'\($0.prefix(60))'" } ?? "none")).",
                 fix: "Send the header Content-Type: application/json; nothing was changed.")
    }
    static let adminOnly = APIError(.forbidden, "forbidden", "This is for admins; your role is viewer.", fix: "Ask an admin for it, or to give you the admin role.")
    static let forbidden = APIError(.forbidden, "forbidden", "Your role (viewer) can read but not change anything.", fix: "Ask an admin to make the change or to give you the admin role.")
}

/// JSON encoding shared by every response: camelCase keys (as `sspm scan --format json`), ISO 8601 dates, sorted keys.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let noSniff = HTTPField.Name("X-Content-Type-Options")!

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store", Self.noSniff: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType, Self.noSniff: "nosniff"]
        for field in extra { headers.append(field) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Catches whatever a handler throws and answers JSON: our `APIError`s as they are, Hummingbird's
/// HTTP errors (unknown route, body too large) in the same shape, anything else as a 500 that
/// names no internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    /// For 405: the methods a known path answers.
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound && CanonicalPath<Context>.problem(request.uri.path) == nil
                    && !table.allowed(request.uri.path).isEmpty {
            let allowed = table.allowed(request.uri.path)
            var refusal = APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue.prefix(20)) is not an operation of \(request.uri.path).",
                                   fix: "Use \(allowed.joined(separator: " or ")); the operations are listed in /openapi.yaml.")
            refusal.headers[.allow] = allowed.joined(separator: ", ")
            return try refusal.response(from: request, context: context)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : (error.status == .contentTooLarge ? "too_large" : "http_error")
            let message = error.status == .notFound ? "No such endpoint: \(request.method.rawValue) \(request.uri.path)." : (error.body ?? error.status.reasonPhrase)
            let fix = error.status == .notFound ? "The endpoints are listed in /openapi.yaml." : nil
            return try APIError(error.status, code, message, fix: fix).response(from: request, context: context)
        } catch let error as StoreError {
            return try APIError(error).response(from: request, context: context)
        } catch {
            logger.error("Unhandled error", metadata: ["path": "\(request.uri.path)", "error": "\(String(describing: error).prefix(300))"])
            return try APIError(.internalServerError, "internal", "The server failed to handle this request.",
                                fix: "Retry; if it keeps failing, the server log has the details.").response(from: request, context: context)
        }
    }
}
