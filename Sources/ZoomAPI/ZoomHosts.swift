import AsyncHTTPClient
import Foundation

/// Zoom's own hosts, and the rule for quoting a reply's text in an error message.
///
/// A connector may name other hosts (Zoom for Government, a simulator, a proxy), so a reply can
/// come from anywhere the operator typed — including a service inside the network. Its text is
/// quoted in an error only when it comes from Zoom's hosts or from a host the operator trusts
/// (`trusted`, from `sspm serve --allowed-zoom-hosts`); otherwise the message says only the status.
public enum ZoomHosts {
    /// zoom.us, zoomgov.com and their subdomains (api.zoom.us, api.zoomgov.com, …).
    public static let officialDomains = ["zoom.us", "zoomgov.com"]

    public static func isOfficial(_ host: String) -> Bool {
        let host = host.lowercased()
        return officialDomains.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// Whether `host` is Zoom's or one of `trusted` (exact host names, case-insensitive).
    public static func isAllowed(_ host: String, trusted: [String]) -> Bool {
        isOfficial(host) || trusted.contains { $0.lowercased() == host.lowercased() }
    }

    /// A header value kept only when it looks like what Zoom sends there (a word such as `QPS` or
    /// `Daily-limit`, a number, or a date): at most 64 of `[A-Za-z0-9 :.,+-]`, else nil.
    static func headerWord(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.count <= 64,
              value.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || " :.,+-".unicodeScalars.contains($0) }) else { return nil }
        return value
    }

    /// Scope names as Zoom writes them (`user:read:admin`, `user:read:list_users:admin`): at most
    /// 100 characters of `[a-z0-9_:.-]`; anything else in a token reply's `scope` is dropped.
    static func scopeNames(_ text: String?) -> Set<String> {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_:.-")
        return Set((text ?? "").split(separator: " ").prefix(500).map(String.init).filter { $0.count <= 100 && $0.allSatisfy(allowed.contains) })
    }

    /// The text to show from a reply body: Zoom's `message` (or the body's start) from an allowed
    /// host, and nothing of the body from any other.
    static func quote(_ message: String?, body: @autoclosure () -> String, status: Int, host: String, trusted: [String]) -> String {
        guard isAllowed(host, trusted: trusted) else {
            return "HTTP \(status) from \(host.prefix(100)) (its reply is not shown: not a Zoom host; allow it with --allowed-zoom-hosts to see it)"
        }
        return message ?? String(body().prefix(200))
    }
}
