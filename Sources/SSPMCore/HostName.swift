/// The one rule for a host name the service is given to reach (a vendor's or receiver's URL, an
/// SMTP relay): what is shown and checked is what is resolved, so nothing invisible, encoded or
/// outside ASCII.
public enum HostName {
    /// Said in refusals.
    public static let rule = "ASCII labels of letters, digits, '-' and '_' (not starting or ending with '-'; an internationalised name in punycode, xn--…), an IPv4 address"

    /// A DNS name of ASCII labels (which covers an IPv4 address), optionally ending with a dot, at
    /// most 253 characters.
    public static func isPlain<S: StringProtocol>(_ host: S) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        let name = host.hasSuffix(".") ? host.dropLast() : host[...]
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    /// An IPv6 address as written without brackets: ASCII hex digits, at least two ':' (an IPv4
    /// tail with '.').
    public static func isIPv6<S: StringProtocol>(_ text: S) -> Bool {
        text.filter { $0 == ":" }.count >= 2 && text.allSatisfy { $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }
    }
}
