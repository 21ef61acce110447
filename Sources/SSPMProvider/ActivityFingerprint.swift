import Crypto
import Foundation
import SSPMCore

/// The fingerprint of an activity row: SHA-256 of its canonical JSON (sorted keys).
public enum ActivityFingerprint {
    /// Of bytes as received (webhook bodies: Zoom's retries repeat them exactly).
    public static func make(kind: String, raw: Data) -> String {
        FastFormats.hex(SHA256.hash(data: Data((kind + ":raw:").utf8) + raw))
    }

    public static func make(kind: String, _ row: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(row)) ?? Data()
        let digest = SHA256.hash(data: Data((kind + ":").utf8) + data)
        return FastFormats.hex(digest)
    }
}
