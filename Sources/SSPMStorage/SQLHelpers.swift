import Foundation

/// Times are stored as milliseconds since 1970 (BIGINT).
func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

/// JSON columns: written with sorted keys and ISO 8601 dates, so equal values store equal text.
let canonicalEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
}()

let isoDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}()

func encodeJSON<T: Encodable>(_ value: T) throws -> String { String(decoding: try canonicalEncoder.encode(value), as: UTF8.self) }
func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try isoDecoder.decode(type, from: Data(text.utf8)) }
