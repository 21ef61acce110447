import Foundation
import SSPMCore

/// A report row kept as raw JSON (for storage), keyed by its whole content.
public struct RawRow: ZoomListItem, Hashable {
    public let value: JSONValue
    public init(from decoder: any Decoder) throws { value = try JSONValue(from: decoder) }
    public var dedupKey: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? ""
    }
}

public struct RawActivityPage: ZoomPage {
    public var activityLogs: [RawRow]?
    public var nextPageToken: String?
    public var pageItems: [RawRow] { activityLogs ?? [] }
}

public struct RawOperationPage: ZoomPage {
    public var operationLogs: [RawRow]?
    public var nextPageToken: String?
    public var pageItems: [RawRow] { operationLogs ?? [] }
}
