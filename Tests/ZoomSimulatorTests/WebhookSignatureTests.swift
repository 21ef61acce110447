import Foundation
import Testing
import ZoomAPI

/// Zoom's published signature examples (research/zoom-api.md §6) must come out identical.
struct WebhookSignatureTests {
    let secret = "4fv1RkqGQUq5sWbEz6hA5A"

    @Test func urlValidationEventSignature() {
        let body = #"{"payload":{"plainToken":"xys8n8PGS7mAU0m5-YJjRA"},"event_ts":1720705455858,"event":"endpoint.url_validation"}"#
        #expect(ZoomWebhookSignature.signature(secret: secret, timestamp: "1720705455", body: Data(body.utf8))
            == "v0=93a1a675965ceb9c5a50c5dfb31f20e50f763be37a54ef74cd2d16a1a8e5c0d6")
        #expect(ZoomWebhookSignature.encryptedToken(secret: secret, plainToken: "xys8n8PGS7mAU0m5-YJjRA")
            == "2fffc6a967dde4f68024025a5bd991c5ae1e5313b4e6365be4883e3e81d479b3")
    }

    @Test("signs the bytes as sent: escaped emoji and raw non-ASCII punctuation")
    func nonASCIIBody() {
        let body = #"{"event":"meeting.started","payload":{"account_id":"VjZoEArIT5y-HlWxkV-tVA","object":{"duration":60,"start_time":"2024-07-11T14:12:55Z","timezone":"America/New_York","topic":"Test \uD83D\uDE92\uD83D\uDE92 ? - ’ - – \uD83D\uDE97 HOLA","id":"85393847045","type":2,"uuid":"jUh5o3dKQIytvcsfTtKBlg==","host_id":"8lzIwvZTSOqjndWPbPqzuA"}},"event_ts":1720707175904}"#
        #expect(ZoomWebhookSignature.signature(secret: secret, timestamp: "1720707175", body: Data(body.utf8))
            == "v0=1a14e79349318fa1bead50ebbd3c185ae078e182d3bbd30ab8010fcb7f4357c7")
    }

    @Test func crcEncryptedToken() {
        #expect(ZoomWebhookSignature.encryptedToken(secret: "UB_rdTwhTruoYCMr6x6-MQ", plainToken: "qgg8vlvZRS6UYooatFL8Aw")
            == "439d1ed256e8d5513d2acd195e0adc64bbbfeb6b795b9d1880534610b58c674c")
    }

    @Test func verificationIsExactAndConstantShape() {
        let body = Data(#"{"event":"user.signed_in"}"#.utf8)
        let signature = ZoomWebhookSignature.signature(secret: secret, timestamp: "1", body: body)
        #expect(ZoomWebhookSignature.isValid(signature: signature, secret: secret, timestamp: "1", body: body))
        #expect(!ZoomWebhookSignature.isValid(signature: signature, secret: secret, timestamp: "2", body: body))
        #expect(!ZoomWebhookSignature.isValid(signature: signature, secret: "other", timestamp: "1", body: body))
        var tampered = body
        tampered[tampered.startIndex] = UInt8(ascii: " ")
        #expect(!ZoomWebhookSignature.isValid(signature: signature, secret: secret, timestamp: "1", body: tampered))
    }
}
