import Foundation

/// application/x-www-form-urlencoded, for query strings and form bodies (the server, and the Zoom
/// and Graph simulators).
public enum FormEncoding {
    public static func pairs(_ text: String) -> [(String, String)] {
        func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
        return text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of each name.
    public static func firstValues(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in pairs(text) where result[key] == nil { result[key] = value }
        return result
    }

    /// Percent-encodes all but RFC 3986's unreserved characters (letters, digits, `-._~`) and the
    /// ones in `keeping`: a form value or a query parameter.
    public static func percentEncode(_ text: String, keeping: String = "") -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        allowed.insert(charactersIn: keeping)
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// What OData query options keep as they are (`$select=id,mail`, `$filter=appId eq '…'`).
    public static let odataQueryKept = "$,'()"
}
