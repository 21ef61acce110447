import AsyncHTTPClient
import Foundation
import NIOCore
import SSPMCore

/// What went wrong below HTTP, in a few plain words for an error message or a delivery log:
/// "timed out", "connection refused", "the host name could not be resolved", "TLS handshake
/// failed …", or, for anything else, the error's own text without build paths, cut at 200
/// characters. Never a request's contents.
public func describeTransport(_ error: any Error) -> String {
    if let error = error as? UnsendableURL { return error.description }
    if let error = error as? HTTPClientError {
        if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout || error == .writeTimeout { return "timed out" }
        if error == .tlsHandshakeTimeout { return "timed out in the TLS handshake" }
        if error == .remoteConnectionClosed { return "connection closed" }
        if error == .cancelled { return "cancelled" }
    }
    let type = String(reflecting: Swift.type(of: error))
    let text = String(describing: error)
    let lower = text.lowercased()
    // By the error's type, never by words in its text: the text names the host, and a host may
    // be called ssl.example.com.
    if type.contains("NIOSSL") || type.contains("BoringSSL") {
        return "TLS handshake failed (is it an https endpoint on that port, with a certificate this machine trusts?)"
    }
    if lower.contains("connection refused") || lower.contains("econnrefused") { return "connection refused" }
    if lower.contains("unknownhost") || lower.contains("name or service not known") || lower.contains("nodename nor servname") { return "the host name could not be resolved" }
    if lower.contains("handshakefailed") { return "TLS handshake failed (is it an https endpoint on that port, with a certificate this machine trusts?)" }
    if lower.contains("reset") { return "connection reset" }
    if lower.contains("network is unreachable") || lower.contains("no route to host") { return "no route to the host" }
    if lower.contains("timed out") || lower.contains("timeout") { return "timed out" }
    return String(withoutPaths(text).prefix(200))
}

/// `text` without file paths (a library's error text can name the build directory).
func withoutPaths(_ text: String) -> String {
    text.split(separator: " ", omittingEmptySubsequences: false).map { word in
        word.contains("/.build/") || word.contains("/Sources/") || word.hasPrefix("/") && word.dropFirst().contains("/") ? "…" : String(word)
    }.joined(separator: " ")
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

/// A vendor's `Retry-After` in seconds as a wait: nil for what is not a finite, non-negative
/// number (`nan`, `inf`, `-5`), at most a day (a larger number is a day: the callers' own
/// longest-wait rules then give up). A huge value must not become a conversion that traps.
public func retryAfterWait(seconds: Double) -> Duration? {
    guard seconds.isFinite, seconds >= 0 else { return nil }
    return .milliseconds(Int64(min(seconds, 86_400) * 1000))
}
