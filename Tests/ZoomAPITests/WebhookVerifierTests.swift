import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import Testing
import ZoomAPI

struct WebhookVerifierTests {
    let secret = "4fv1RkqGQUq5sWbEz6hA5A"
    let challengeBody = Data(#"{"payload":{"plainToken":"xys8n8PGS7mAU0m5-YJjRA"},"event_ts":1720705455858,"event":"endpoint.url_validation"}"#.utf8)
    let at = Date(timeIntervalSince1970: 1_720_705_460)

    @Test("Zoom's published challenge: answered with the published encryptedToken")
    func challenge() async throws {
        let verifier = ZoomWebhookVerifier(secret: secret)
        let outcome = await verifier.handle(body: challengeBody, headers: [
            "x-zm-request-timestamp": "1720705455",
            "x-zm-signature": "v0=93a1a675965ceb9c5a50c5dfb31f20e50f763be37a54ef74cd2d16a1a8e5c0d6"], now: at)
        guard case .challenge(let response) = outcome else { Issue.record("got \(outcome)"); return }
        let json = try JSONDecoder().decode(JSONValue.self, from: response)
        #expect(json == ["plainToken": "xys8n8PGS7mAU0m5-YJjRA", "encryptedToken": "2fffc6a967dde4f68024025a5bd991c5ae1e5313b4e6365be4883e3e81d479b3"])
    }

    @Test("forged, tampered, stale and replayed requests are rejected; a good event is accepted once")
    func rejections() async {
        let verifier = ZoomWebhookVerifier(secret: secret)
        let body = Data(#"{"event":"user.signed_in","event_ts":1720705455000,"payload":{"account_id":"a","object":{"id":"u"}}}"#.utf8)
        let good = ZoomWebhookSignature.signature(secret: secret, timestamp: "1720705455", body: body)
        let headers = ["x-zm-request-timestamp": "1720705455", "x-zm-signature": good]
        #expect(await verifier.handle(body: body, headers: [:], now: at) == .rejected(status: 401, reason: "missing x-zm-request-timestamp or x-zm-signature"))
        let forged = await verifier.handle(body: body, headers: ["x-zm-request-timestamp": "1720705455", "x-zm-signature": ZoomWebhookSignature.signature(secret: "guess", timestamp: "1720705455", body: body)], now: at)
        #expect(forged == .rejected(status: 401, reason: "signature does not match the webhook secret token"))
        var tampered = body
        tampered.append(contentsOf: Array(" ".utf8))
        guard case .rejected(401, _) = await verifier.handle(body: tampered, headers: headers, now: at) else { Issue.record("tampered body accepted"); return }
        guard case .rejected(401, let reason) = await verifier.handle(body: body, headers: headers, now: at.addingTimeInterval(3600)) else { Issue.record("stale accepted"); return }
        #expect(reason.contains("window"))
        guard case .event("user.signed_in", _) = await verifier.handle(body: body, headers: headers, now: at) else { Issue.record("good event rejected"); return }
        #expect(await verifier.handle(body: body, headers: headers, now: at) == .rejected(status: 409, reason: "replayed request (same signature seen before)"))
    }
}
