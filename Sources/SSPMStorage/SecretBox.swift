import Crypto
import Foundation
import Logging
import SSPMCore

/// Seals secrets with AES-GCM under the master key before they reach the database.
public struct SecretBox: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// The master key: `SSPM_MASTER_KEY` (base64 of 32 bytes) if set, else the key file, created on first
    /// run with mode 0600 (back it up: without it the stored secrets cannot be read).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment, keyFile: String, logger: Logger) throws -> SecretBox {
        if let encoded = environment["SSPM_MASTER_KEY"], !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded), data.count == 32 else {
                throw SecretBoxError("SSPM_MASTER_KEY must be the base64 of 32 random bytes (for example: openssl rand -base64 32).")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        if let data = FileManager.default.contents(atPath: keyFile) {
            try? PrivateFiles.narrow(keyFile, to: PrivateFiles.fileMode)
            guard let decoded = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), decoded.count == 32 else {
                throw SecretBoxError("The master key file \(keyFile) is not the base64 of 32 bytes. Restore it from your backup.")
            }
            return SecretBox(key: SymmetricKey(data: decoded))
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
        try PrivateFiles.directory((keyFile as NSString).deletingLastPathComponent, narrowing: false)
        do { try PrivateFiles.create(keyFile, contents: Data(encoded.utf8)) } catch {
            throw SecretBoxError("Could not create the master key file: \(error)")
        }
        logger.warning("Created a new master key; back it up — stored secrets cannot be decrypted without it", metadata: ["file": "\(keyFile)"])
        return SecretBox(key: key)
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag).
    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw SecretBoxError("AES-GCM produced no output") }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String, what: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else { throw StoreError.cannotUnseal(what) }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
        } catch {
            throw StoreError.cannotUnseal(what)
        }
    }
}

public struct SecretBoxError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
