/// The one rule for an e-mail address the service stores: a sign-in address and an alert
/// recipient or sender alike.
public enum MailAddress {
    /// Said in refusals.
    public static let rule = "one address: printable ASCII, one '@' with text on both sides, no spaces and none of <>,;\"()[]\\"

    /// One bare address (`alice@example.com`): printable ASCII without white space or the
    /// characters that quote, list or comment in a mail header, one '@' with text on both sides,
    /// at most 254 characters. Nothing a mail header or a page could read as more than an address.
    public static func isBare(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.unicodeScalars.count <= 254, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return text.unicodeScalars.allSatisfy { (0x21...0x7e).contains($0.value) && !"<>,;\"()[]\\".unicodeScalars.contains($0) }
    }
}
