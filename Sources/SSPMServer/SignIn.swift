import Crypto
import Foundation
import HummingbirdBcrypt
import SSPMCore
import SSPMStorage

/// bcrypt, bounded: it runs on its own threads (never the database's or the event loops'), at most
/// `width` at once, with at most `queue` more waiting; past that a sign-in is told to retry (503)
/// rather than queueing without end.
actor PasswordWork {
    let cost: UInt8
    let width: Int
    let queue: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var dummy: String?

    init(cost: UInt8, width: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1), queue: Int = 64) {
        self.cost = cost
        self.width = width
        self.queue = queue
    }

    /// Marks a hash of the pre-hashed password (`hash`); a stored hash without it is bcrypt of the
    /// password itself, as stored before, and is still checked that way.
    static let prehashedMark = "$sspm-sha256"

    /// bcrypt reads at most 72 bytes and stops at a NUL, so a long passphrase would count only by
    /// its start. The password is first reduced to its SHA-256 (44 base64 characters, no NUL):
    /// every byte of it counts, whatever its length.
    static func prehash(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    func hash(_ password: String) async throws -> String {
        let cost = cost
        let input = Self.prehash(password)
        return Self.prehashedMark + (try await run { Bcrypt.hash(input, cost: cost) })
    }

    /// Checks `password` against `hash`, or, for an address with no account (`hash` nil), against a
    /// stand-in hash of the same cost: the answer takes as long either way.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        let target: String
        if let hash { target = hash } else { target = try await standIn() }
        let (input, stored) = target.hasPrefix(Self.prehashedMark)
            ? (Self.prehash(password), String(target.dropFirst(Self.prehashedMark.count))) : (password, target)
        let matches = try await run { Bcrypt.verify(input, hash: stored) }
        return hash != nil && matches
    }

    private func standIn() async throws -> String {
        if let dummy { return dummy }
        let made = try await hash(randomToken(bytes: 24))
        dummy = made
        return made
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        if running >= width {
            guard waiting.count < queue else { throw APIError.signInBusy }
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}

/// Sign-in attempts in flight, so the failure count and the attempt are one step: an attempt counts
/// against its limits from the moment it starts, not from when its failure is written.
actor SignInThrottle {
    private var inFlight: [String: Int] = [:]

    /// Reserves one attempt on each key; returns how many were already in flight on each.
    func reserve(_ keys: [String]) -> [Int] {
        keys.map { key in
            let before = inFlight[key, default: 0]
            inFlight[key] = before + 1
            return before
        }
    }

    func release(_ keys: [String]) {
        for key in keys {
            let left = inFlight[key, default: 1] - 1
            inFlight[key] = left > 0 ? left : nil
        }
    }
}

/// Who is on the other end of a request: the peer's address, or — when the peer is a configured
/// trusted proxy — the nearest address in `X-Forwarded-For` that is not a trusted proxy.
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: String?, trusted: [String]) -> String {
        let peer = peer ?? "unknown"
        guard !trusted.isEmpty, trusted.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed().map(withoutPort) where !trusted.contains(hop) { return String(hop.prefix(64)) }
        return peer
    }

    /// `192.0.2.1:4711` → `192.0.2.1`, `[2001:db8::1]:4711` → `2001:db8::1` (some proxies add the port).
    static func withoutPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") { return String(hop[hop.index(after: hop.startIndex)..<close]) }
        let parts = hop.split(separator: ":")
        if parts.count == 2, parts[0].contains(".") { return String(parts[0]) }
        return hop
    }

    /// The throttle's key for a client: an IPv6 client is its /64 (one host holds a whole /64).
    static func throttleKey(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(format: "%x", Int(bytes[$0]) << 8 | Int(bytes[$0 + 1])) }.joined(separator: ":") + "::/64"
    }
}
