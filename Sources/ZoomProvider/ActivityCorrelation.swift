import Foundation
import SSPMCore

/// Webhook sign-in events and polled sign-in report rows describe the same event in different
/// shapes; this key (address, second, sign in/out) joins them so the activity log keeps one.
public enum ActivityCorrelation {
    public static func signIn(email: String, time: Date, signOut: Bool) -> String {
        "signin|\(email.lowercased())|\(Int64(time.timeIntervalSince1970.rounded(.down)))|\(signOut ? "out" : "in")"
    }

    /// For a sign-in report row (`email`, `time`, `type`).
    public static func forReportRow(_ row: JSONValue) -> String? {
        guard let email = row["email"]?.stringValue, let text = row["time"]?.stringValue, let time = parseTime(text),
              let type = row["type"]?.stringValue else { return nil }
        return signIn(email: email, time: time, signOut: type.lowercased().contains("out"))
    }

    /// For a `user.signed_in` / `user.signed_out` webhook, from its fields.
    public static func forWebhook(event: String, email: String?, dateTime: String?) -> String? {
        guard event == "user.signed_in" || event == "user.signed_out", let email, let text = dateTime, let time = parseTime(text) else { return nil }
        return signIn(email: email, time: time, signOut: event == "user.signed_out")
    }

    /// For a `user.signed_in` / `user.signed_out` webhook body.
    public static func forWebhook(_ body: JSONValue) -> String? {
        guard let event = body["event"]?.stringValue, event == "user.signed_in" || event == "user.signed_out",
              let object = body["payload"]?["object"], let email = object["email"]?.stringValue,
              let text = object["date_time"]?.stringValue, let time = parseTime(text) else { return nil }
        return signIn(email: email, time: time, signOut: event == "user.signed_out")
    }

    public static func parseTime(_ text: String) -> Date? { FastFormats.parseTime(text) }
}
