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

    /// The text to show from a reply body: Zoom's `message` (or the body's start) from an allowed
    /// host, and nothing of the body from any other.
    static func quote(_ message: String?, body: @autoclosure () -> String, status: Int, host: String, trusted: [String]) -> String {
        guard isAllowed(host, trusted: trusted) else {
            return "HTTP \(status) from \(host.prefix(100)) (its reply is not shown: not a Zoom host; allow it with --allowed-zoom-hosts to see it)"
        }
        return message ?? String(body().prefix(200))
    }
}
