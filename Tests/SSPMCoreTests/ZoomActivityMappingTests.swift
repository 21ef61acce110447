import Foundation
import SSPMCore
import SSPMProvider
import Testing
import ZoomAPI
import ZoomProvider

struct ZoomActivityMappingTests {
    static func envelope(_ body: String) throws -> ZoomWebhookEnvelope {
        var envelope = try JSONDecoder().decode(ZoomWebhookEnvelope.self, from: Data(body.utf8))
        envelope.raw = Data(body.utf8)
        return envelope
    }

    @Test("a webhook's detail is its payload.object exactly as sent, found without decoding the body (keys and braces inside strings do not confuse it)")
    func webhookDetail() throws {
        let object = #"{"id":"u1","email":"x@y.example","name":"brace } and \"quote\" {","settings":{"a":[1,{"b":"]"}]}}"#
        let body = #"{"event":"user.updated","event_ts":1790000000000,"payload":{"account_id":"acc","note":"\"object\": {\"id\":\"decoy\"}","operator":"admin@y.example","object":"#
            + object + "}}"
        let event = ZoomActivityMapping.event(try Self.envelope(body))
        #expect(event.detail == object)
        #expect(event.action == "user.updated" && event.category == "user" && event.target == "x@y.example" && event.actor == "admin@y.example")
        #expect(event.fingerprint == ActivityFingerprint.make(kind: "webhook", raw: Data(body.utf8)))
        // No object: no detail. A sign-in reads as its report row does (one policy matches both):
        // action Sign in, the client as the report names it, the user as actor and target.
        let signIn = ZoomActivityMapping.event(try Self.envelope(
            #"{"event":"user.signed_in","event_ts":1,"payload":{"object":{"email":"s@y.example","date_time":"2026-12-01T10:00:00Z","client_type":"mac","version":"6.2.5"}}}"#))
        #expect(signIn.stream == "signin" && signIn.action == "Sign in" && signIn.category == "authentication" && signIn.client == "Mac 6.2.5")
        #expect(signIn.actor == "s@y.example" && signIn.target == "s@y.example" && signIn.outcome == .success && signIn.correlation != nil)
        let report = ZoomActivityMapping.signIn(["email": "s@y.example", "time": "2026-12-01T10:00:00Z", "type": "Sign in", "ip_address": "192.0.2.1",
                                                 "client_type": "Mac", "version": "6.2.5"])
        #expect(report.action == signIn.action && report.category == signIn.category && report.client == signIn.client && report.correlation == signIn.correlation)
        let signOut = ZoomActivityMapping.event(try Self.envelope(
            #"{"event":"user.signed_out","event_ts":1,"payload":{"object":{"email":"s@y.example","date_time":"2026-12-01T11:00:00Z","client_type":"iphone"}}}"#))
        #expect(signOut.action == "Sign out" && signOut.client == "iOS")
        #expect(ZoomActivityMapping.event(try Self.envelope(#"{"event":"account.updated","payload":{}}"#)).detail == nil)
    }

    @Test("operation-log rows: category, action and the verbatim detail; the target is the first e-mail address in the detail")
    func operationRow() {
        let row: JSONValue = ["time": "2026-12-01T10:00:00Z", "operator": "admin@y.example", "category_type": "User", "action": "Update",
                              "operation_detail": "Update User  bob@y.example  - Role: from Member to Admin"]
        let event = ZoomActivityMapping.operation(row)
        #expect(event.category == "User" && event.action == "Update" && event.target == "bob@y.example")
        #expect(event.detail == "Update User  bob@y.example  - Role: from Member to Admin")
        let noAddress = ZoomActivityMapping.operation(["time": "2026-12-01T10:00:00Z", "operator": "a@y.example", "category_type": "Account",
                                                       "action": "Update", "operation_detail": "Account settings changed"])
        #expect(noAddress.target == "Account")
    }
}
