import Foundation
import SSPMCore

/// Reads a MaxMind DB file (GeoLite2-City, DB-IP Lite City and other MMDB databases), following the
/// published MaxMind DB format 2.0: a binary search tree over the address bits, then a data
/// section of typed values. The whole file is read into memory once; lookups do no I/O.
public struct MMDBReader: Sendable {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    let bytes: [UInt8]
    public let nodeCount: Int
    public let recordSize: Int
    public let ipVersion: Int
    public let databaseType: String
    let treeSize: Int
    let dataStart: Int
    /// The node an IPv4 address starts from in an IPv6 tree (after 96 zero bits).
    let ipv4Start: Int

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError("cannot read the Geo-IP database \(path): no such file or not readable")
        }
        try self.init(bytes: [UInt8](data), name: path)
    }

    public init(bytes: [UInt8], name: String = "the Geo-IP database") throws {
        self.bytes = bytes
        let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
        // The metadata starts after the last marker, within the last 128 KiB.
        var found: Int?
        var index = bytes.count - marker.count
        let floor = max(0, bytes.count - 128 * 1024)
        while index >= floor {
            if bytes[index] == marker[0], Array(bytes[index..<index + marker.count]) == marker { found = index + marker.count; break }
            index -= 1
        }
        guard let start = found else { throw FormatError("\(name) is not a MaxMind DB file (no metadata marker); use a GeoLite2-City or DB-IP Lite City .mmdb") }
        var metadataReader = Decoder(bytes: bytes, base: start)
        guard case .map(let metadata) = try metadataReader.value(at: start) else { throw FormatError("\(name): the metadata is not a map") }
        guard let nodes = metadata["node_count"]?.int, let record = metadata["record_size"]?.int, let version = metadata["ip_version"]?.int else {
            throw FormatError("\(name): the metadata lacks node_count, record_size or ip_version")
        }
        guard [24, 28, 32].contains(record) else { throw FormatError("\(name): record size \(record) is not 24, 28 or 32") }
        guard version == 4 || version == 6 else { throw FormatError("\(name): IP version \(version) is not 4 or 6") }
        nodeCount = nodes
        recordSize = record
        ipVersion = version
        databaseType = metadata["database_type"]?.string ?? "unknown"
        treeSize = (record * 2 / 8) * nodes
        dataStart = treeSize + 16
        guard dataStart <= start else { throw FormatError("\(name): the search tree runs past the data section") }
        var node = 0
        if version == 6 {
            for _ in 0..<96 where node < nodes { node = Self.record(bytes, node: node, bit: 0, size: record) }
        }
        ipv4Start = node
    }

    static func record(_ bytes: [UInt8], node: Int, bit: Int, size: Int) -> Int {
        let base = node * size * 2 / 8
        switch size {
        case 24:
            let o = base + bit * 3
            return Int(bytes[o]) << 16 | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2])
        case 28:
            if bit == 0 { return (Int(bytes[base + 3]) & 0xF0) << 20 | Int(bytes[base]) << 16 | Int(bytes[base + 1]) << 8 | Int(bytes[base + 2]) }
            return (Int(bytes[base + 3]) & 0x0F) << 24 | Int(bytes[base + 4]) << 16 | Int(bytes[base + 5]) << 8 | Int(bytes[base + 6])
        default:
            let o = base + bit * 4
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
    }

    /// The record for an address given as 4 or 16 bytes (nil: not in the database).
    public func lookup(_ address: [UInt8]) throws -> MMDBValue? {
        guard address.count == 4 || address.count == 16 else { return nil }
        if address.count == 16, ipVersion == 4 { return nil }
        var node = address.count == 4 && ipVersion == 6 ? ipv4Start : 0
        let bits = address.count * 8
        var depth = 0
        while depth < bits, node < nodeCount {
            let bit = Int(address[depth / 8] >> (7 - UInt8(depth % 8)) & 1)
            node = Self.record(bytes, node: node, bit: bit, size: recordSize)
            depth += 1
        }
        if node == nodeCount { return nil }
        guard node > nodeCount else { throw FormatError("the search tree ended inside the tree (corrupt database)") }
        let offset = dataStart + (node - nodeCount - 16)
        guard offset >= dataStart, offset < bytes.count else { throw FormatError("a record points outside the data section (corrupt database)") }
        var decoder = Decoder(bytes: bytes, base: dataStart)
        return try decoder.value(at: offset)
    }

    /// The record for an address in text (IPv4 or IPv6).
    public func lookup(_ text: String) throws -> MMDBValue? {
        // An IPv4-mapped IPv6 address stays 16 bytes here, as MaxMind's readers look it up.
        guard let address = IPAddressText.bytes(text) else { return nil }
        return try lookup(address)
    }

    /// The data section's decoder: control byte (type, size), pointers, the types MaxMind DB defines.
    struct Decoder {
        let bytes: [UInt8]
        /// Where pointers count from (the data section; the metadata for the metadata).
        let base: Int
        var depth = 0

        init(bytes: [UInt8], base: Int) {
            self.bytes = bytes
            self.base = base
        }

        func byte(_ at: Int) throws -> Int {
            guard at >= 0, at < bytes.count else { throw FormatError("a value runs past the end of the file (corrupt database)") }
            return Int(bytes[at])
        }

        func uint(_ at: Int, _ count: Int) throws -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<count { value = value << 8 | UInt64(try byte(at + i)) }
            return value
        }

        mutating func value(at offset: Int) throws -> MMDBValue {
            var cursor = offset
            return try value(&cursor)
        }

        mutating func value(_ cursor: inout Int) throws -> MMDBValue {
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { throw FormatError("values nest more than 64 deep (corrupt database)") }
            let control = try byte(cursor)
            cursor += 1
            var type = control >> 5
            if type == 0 {
                type = 7 + (try byte(cursor))
                cursor += 1
            }
            if type == 1 {
                // A pointer: size bits pick 11, 19, 27 or 32 bits of offset.
                let size = (control >> 3) & 0x3
                let low = control & 0x7
                var pointer: Int
                switch size {
                case 0: pointer = low << 8 | (try byte(cursor)); cursor += 1
                case 1: pointer = (low << 16 | Int(try uint(cursor, 2))) + 2048; cursor += 2
                case 2: pointer = (low << 24 | Int(try uint(cursor, 3))) + 526_336; cursor += 3
                default: pointer = Int(try uint(cursor, 4)); cursor += 4
                }
                var target = base + pointer
                return try value(&target)
            }
            var size = control & 0x1F
            if type != 1 {
                switch size {
                case 29: size = 29 + (try byte(cursor)); cursor += 1
                case 30: size = 285 + Int(try uint(cursor, 2)); cursor += 2
                case 31: size = 65_821 + Int(try uint(cursor, 3)); cursor += 3
                default: break
                }
            }
            switch type {
            case 2:
                guard cursor + size <= bytes.count else { throw FormatError("a string runs past the end of the file") }
                let text = String(decoding: bytes[cursor..<cursor + size], as: UTF8.self)
                cursor += size
                return .string(text)
            case 3:
                guard size == 8 else { throw FormatError("a double of \(size) bytes") }
                let bits = try uint(cursor, 8)
                cursor += 8
                return .double(Double(bitPattern: bits))
            case 4:
                guard cursor + size <= bytes.count else { throw FormatError("bytes run past the end of the file") }
                cursor += size
                return .bytes(size)
            case 5, 6, 9, 10:
                guard size <= 16 else { throw FormatError("an unsigned integer of \(size) bytes") }
                let value = size <= 8 ? try uint(cursor, size) : (size > 8 ? try uint(cursor + size - 8, 8) : 0)
                cursor += size
                return .uint(value)
            case 7:
                var members: [String: MMDBValue] = [:]
                for _ in 0..<size {
                    guard case .string(let key) = try value(&cursor) else { throw FormatError("a map key is not a string") }
                    members[key] = try value(&cursor)
                }
                return .map(members)
            case 8:
                guard size <= 4 else { throw FormatError("an int32 of \(size) bytes") }
                let raw = UInt32(truncatingIfNeeded: try uint(cursor, size))
                cursor += size
                return .int(Int64(Int32(bitPattern: size == 4 ? raw : raw)))
            case 11:
                var items: [MMDBValue] = []
                for _ in 0..<size { items.append(try value(&cursor)) }
                return .array(items)
            case 14:
                return .bool(size != 0)
            case 15:
                guard size == 4 else { throw FormatError("a float of \(size) bytes") }
                let bits = UInt32(try uint(cursor, 4))
                cursor += 4
                return .double(Double(Float(bitPattern: bits)))
            default:
                throw FormatError("unknown data type \(type) (corrupt database)")
            }
        }
    }
}

/// A value of the MaxMind DB data section.
public indirect enum MMDBValue: Sendable, Hashable {
    case string(String)
    case double(Double)
    case uint(UInt64)
    case int(Int64)
    case bool(Bool)
    case bytes(Int)
    case map([String: MMDBValue])
    case array([MMDBValue])

    public subscript(_ key: String) -> MMDBValue? { if case .map(let m) = self { return m[key] } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var double: Double? {
        switch self {
        case .double(let d): return d
        case .uint(let u): return Double(u)
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var int: Int? {
        switch self {
        case .uint(let u): return u <= UInt64(Int.max) ? Int(u) : nil
        case .int(let i): return Int(i)
        default: return nil
        }
    }

    /// As JSON (for comparing with other readers' answers).
    public var json: JSONValue {
        switch self {
        case .string(let s): return .string(s)
        case .double(let d): return .double(d)
        case .uint(let u): return u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u))
        case .int(let i): return .int(i)
        case .bool(let b): return .bool(b)
        case .bytes: return .null
        case .map(let m): return .object(m.mapValues(\.json))
        case .array(let a): return .array(a.map(\.json))
        }
    }
}

/// Locates addresses with a city database (an IPv4-mapped IPv6 address is looked up as IPv4).
public struct MMDBGeoLocator: GeoLocator {
    public let reader: MMDBReader
    public let path: String

    public init(path: String) throws {
        reader = try MMDBReader(path: path)
        self.path = path
    }

    public func locate(_ address: String) -> GeoLocation? {
        guard let bytes = IPAddressText.bytes(address).map(IPAddressText.unmapped), let record = try? reader.lookup(bytes) else { return nil }
        let location = GeoLocation(country: record["country"]?["iso_code"]?.string ?? record["registered_country"]?["iso_code"]?.string,
                                   city: record["city"]?["names"]?["en"]?.string,
                                   latitude: record["location"]?["latitude"]?.double, longitude: record["location"]?["longitude"]?.double)
        return location.country == nil && location.latitude == nil ? nil : location
    }
}
