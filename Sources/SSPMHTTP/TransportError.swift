import AsyncHTTPClient
import Foundation
import NIOCore
import SSPMCore

/// What went wrong below HTTP, in a few plain words for an error message (never a request's
/// contents): "timed out", "connection closed", "connection refused", or the error's own text,
/// cut at 200 characters.
public func describeTransport(_ error: any Error) -> String {
    if let error = error as? HTTPClientError {
        if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out" }
        if error == .remoteConnectionClosed { return "connection closed" }
        return String(String(describing: error).prefix(200))
    }
    if let error = error as? UnsendableURL { return error.description }
    let text = String(describing: error)
    if text.contains("refused") { return "connection refused" }
    return String(text.prefix(200))
}

/// A request refused before it was sent: its URL cannot be used (`OutboundURL.isSendable`).
public struct UnsendableURL: Error, CustomStringConvertible {
    public let host: String
    public var description: String { "the URL for \(host) cannot be used (its port must be 1 to 65535); nothing was sent" }
}

extension HTTPClient {
    /// `execute`, after the one check every outbound URL gets: a URL the networking library cannot
    /// take (a port above 65535 stops the process there) is an error here instead. Every request
    /// the service makes to a vendor or a receiver goes through this.
    public func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        guard OutboundURL.isSendable(request.url) else {
            throw UnsendableURL(host: String((URLComponents(string: request.url)?.host ?? "?").prefix(100)))
        }
        return try await execute(request, timeout: timeout)
    }
}
