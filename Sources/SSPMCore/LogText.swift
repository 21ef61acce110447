/// User-supplied text in a log line: control characters (a newline could forge a line) are
/// escaped, and it is cut to `limit` characters.
public enum LogText {
    public static func clean(_ text: String, limit: Int = 120) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            // Control characters, line and paragraph separators, and the marks that change the
            // direction text is shown in (a line could otherwise read differently than it is).
            let v = scalar.value
            if scalar.properties.generalCategory == .control || v == 0x2028 || v == 0x2029
                || v == 0x061c || v == 0x200e || v == 0x200f || Self.overridesDirection(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A bidirectional embedding, override or isolate (U+202A–202E, U+2066–2069): everything after
    /// it on the line is shown in another order than it is stored.
    public static func overridesDirection(_ scalar: Unicode.Scalar) -> Bool {
        (0x202a...0x202e).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}
