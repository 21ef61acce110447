import Foundation
import SSPMCore

/// Schema-valid settings bodies built from Zoom's official documents (see
/// `Generated/DefaultSettings+Generated.swift`), parsed once.
enum Defaults {
    static let account = parse(DefaultSettings.account)
    static let accountLock = parse(DefaultSettings.accountLock)
    static let group = parse(DefaultSettings.group)
    static let groupLock = parse(DefaultSettings.groupLock)
    static let user = parse(DefaultSettings.user)

    static func parse(_ text: String) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            preconditionFailure("generated default settings are not valid JSON: \(error)")
        }
    }
}

/// A small deterministic random number generator (SplitMix64), so a seed always gives the same tenant.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
