import Crypto
import Foundation
import SSPMCore

/// Zoom's webhook signature: `x-zm-signature: v0=HEX(HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body))`
/// and the `endpoint.url_validation` answer `encryptedToken = HEX(HMAC-SHA256(secret, plainToken))`.
public enum ZoomWebhookSignature {
    /// The `x-zm-signature` value for a raw body and an `x-zm-request-timestamp` value.
    public static func signature(secret: String, timestamp: String, body: some DataProtocol) -> String {
        var message = Data("v0:\(timestamp):".utf8)
        message.append(contentsOf: body)
        return "v0=" + hmacHex(secret: secret, message: message)
    }

    /// The `encryptedToken` of an `endpoint.url_validation` answer.
    public static func encryptedToken(secret: String, plainToken: String) -> String {
        hmacHex(secret: secret, message: Data(plainToken.utf8))
    }

    /// Checks a signature in constant time.
    public static func isValid(signature: String, secret: String, timestamp: String, body: some DataProtocol) -> Bool {
        let expected = Data(self.signature(secret: secret, timestamp: timestamp, body: body).utf8)
        let given = Data(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }

    static func hmacHex(secret: String, message: Data) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return FastFormats.hex(mac)
    }
}
