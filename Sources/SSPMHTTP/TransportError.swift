import AsyncHTTPClient

/// What went wrong below HTTP, in a few plain words for an error message (never a request's
/// contents): "timed out", "connection closed", "connection refused", or the error's own text,
/// cut at 200 characters.
public func describeTransport(_ error: any Error) -> String {
    if let error = error as? HTTPClientError {
        if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timed out" }
        if error == .remoteConnectionClosed { return "connection closed" }
        return String(String(describing: error).prefix(200))
    }
    let text = String(describing: error)
    if text.contains("refused") { return "connection refused" }
    return String(text.prefix(200))
}
