import Foundation

/// A string that never shows itself in logs, descriptions or dumps (tokens, client secrets).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, ExpressibleByStringLiteral {
    public let value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { "[REDACTED]" }
    public var debugDescription: String { "[REDACTED]" }
}
