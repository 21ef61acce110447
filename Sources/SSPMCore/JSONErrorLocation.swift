import Foundation

/// Finds the line and column of a JSON syntax error.
public enum JSONErrorLocation {
    public static func describe(_ context: DecodingError.Context, in data: Data) -> String {
        // JSONDecoder's own error has no position; JSONSerialization reports "around character N".
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            if let range = text.range(of: #"character (\d+)"#, options: .regularExpression),
                let offset = Int(text[range].dropFirst("character ".count))
            {
                let (line, column) = lineColumn(offset: offset, in: data)
                return "line \(line), column \(column): \(text)"
            }
            return text
        }
        return context.debugDescription
    }

    public static func lineColumn(offset: Int, in data: Data) -> (Int, Int) {
        var line = 1
        var column = 1
        for (index, byte) in data.enumerated() {
            if index >= offset { break }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
