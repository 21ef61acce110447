import Foundation

/// The one check of a URL the service will send requests to (a vendor's API or token URL, a
/// notification receiver): what is wrong with it, in words an operator can act on. A URL that
/// passes can be handed to the HTTP client: its port fits in 16 bits (a larger one stops the
/// process inside the networking library), it names a host, and it carries no user name or
/// password (which would be stored and shown with the connector's settings).
public enum OutboundURL {
    /// How a URL is used: a base URL (`apiUrl`, `tokenUrl`, `loginUrl`, `graphUrl`) has no query
    /// or fragment, since paths and parameters are added to it; a receiver's URL may have a query
    /// (Teams and Slack put their signature there), never a fragment.
    public enum Use: Sendable { case base, receiver }

    public static let maxLength = 2048

    /// Problems with `text` as `field` (empty when it may be used).
    public static func problems(_ text: String, field: String, use: Use) -> [String] {
        // Never echoed: a receiver's URL may be a secret (Slack, Teams), or carry a password.
        let shown = "(\(text.count) characters starting '\(text.prefix(8))')"
        guard text.utf8.count <= maxLength else { return ["\(field) is longer than \(maxLength) characters"] }
        guard !text.contains(where: { $0.isWhitespace || $0.isNewline || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }),
              let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty
        else { return ["\(field) '\(shown)' is not an absolute http(s) URL with a host"] }
        var problems: [String] = []
        if url.user != nil || url.password != nil || text.split(separator: "/", maxSplits: 3).dropFirst().first?.contains("@") == true {
            problems.append("\(field) must not carry a user name or password (user:password@host)")
        }
        let written = authority(text)
        if let port = written?.port, !port.isEmpty, !isPort(port) {
            problems.append("\(field) has port \(port.prefix(20)); a port is 1 to 65535, without leading zeros")
        }
        if let host = written?.host, !isPlainHost(host) {
            problems.append("\(field) must name its host plainly: \(HostName.rule), an IPv6 address in brackets; no '%'")
        }
        if url.fragment != nil { problems.append("\(field) must not have a fragment (#…)") }
        if use == .base, url.query != nil { problems.append("\(field) must not have a query (?…): it is a base URL that paths are added to") }
        return problems
    }

    /// Whether `text` may be handed to the HTTP client (the last check before a request, for a URL
    /// stored before these checks existed or built from stored parts).
    public static func isSendable(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else { return false }
        if let port = url.port, !(1...65535).contains(port) { return false }
        // A port too long for an Int reads as none (URLComponents), and the default port would be used.
        if let written = authority(text) {
            if let port = written.port, !port.isEmpty, Int(port).map({ (1...65535).contains($0) }) != true { return false }
            if !isPlainHost(written.host) { return false }
        }
        return true
    }

    static func isPort(_ text: Substring) -> Bool {
        guard let first = text.first, first != "0", text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text) else { return false }
        return (1...65535).contains(n)
    }

    /// The host and port as written in the authority (user information dropped; the port `""` for
    /// `host:`, nil when there is none); nil when there is no authority. Read from the text itself:
    /// URLComponents reads a port too long for an Int as no port at all.
    static func authority(_ text: String) -> (host: Substring, port: Substring?)? {
        guard let start = text.range(of: "://") else { return nil }
        var authority = text[start.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "\\" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return (authority, nil) }
            let after = authority[authority.index(after: close)...]
            return (authority[...close], after.hasPrefix(":") ? after.dropFirst() : nil)
        }
        guard let colon = authority.lastIndex(of: ":") else { return (authority, nil) }
        return (authority[..<colon], authority[authority.index(after: colon)...])
    }

    /// A host name or IPv4 address (`HostName.isPlain`), or a bracketed IPv6 address: what is
    /// checked (against allow-lists) is what is resolved, with nothing percent-encoded to decode later.
    static func isPlainHost(_ host: Substring) -> Bool {
        if host.hasPrefix("[") { return host.hasSuffix("]") && HostName.isIPv6(host.dropFirst().dropLast()) }
        return !host.contains(":") && HostName.isPlain(host)
    }
}
