import Foundation
import SSPMCore

/// Zoom's detection templates: policies over the operation log (matched on the `operation_detail`
/// wording Zoom really writes, two spaces before the dash included) and over the sign-in report.
/// Each says what it catches, when it is wrong and how to tune it (the gallery shows these).
public enum ZoomDetections {
    static let week: TimeInterval = 7 * 86_400

    static func accountSetting(_ id: String, _ title: String, contains: [String], severity: Severity = .medium,
                               catches: String, falsePositives: String) -> DetectionPolicy {
        DetectionPolicy(id: id, title: title, severity: severity,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["operation"], categories: ["Account"], detailContains: contains),
                        catches: catches, falsePositives: falsePositives,
                        tuning: "Exclude the admins who make such changes by design (excludeActors), or lower the severity; one alert per admin an hour.")
    }

    public static let templates: [DetectionPolicy] = [
        accountSetting("ZDT-01", "Two-factor sign-in turned off by {actor}", contains: ["Sign in with Two-Factor Authentication: from On to Off"], severity: .high,
                       catches: "An admin turning off the account's two-factor sign-in requirement (Admin > Account Settings > Security).",
                       falsePositives: "A planned move to SSO-enforced MFA, where Zoom's own 2FA is no longer needed."),
        accountSetting("ZDT-02", "Automatic sign-out turned off by {actor}", contains: ["Automatically sign users out after a specified time: from On to Off"],
                       catches: "Idle web and client sessions no longer end by themselves.",
                       falsePositives: "Kiosk or room accounts handled by a separate policy."),
        accountSetting("ZDT-03", "Meeting security option no longer required ({actor})", contains: ["Require that all meetings are secured with one security option: from On to Off"],
                       catches: "Meetings may now be created with neither a passcode nor a waiting room.",
                       falsePositives: "Rare: the option is Zoom's recommended baseline."),
        accountSetting("ZDT-04", "Passcode for new meetings turned off by {actor}", contains: ["Require a passcode when scheduling new meetings: from On to Off"],
                       catches: "New meetings are scheduled without a passcode.",
                       falsePositives: "Accounts that rely on the waiting room or authenticated joining instead."),
        DetectionPolicy(id: "ZDT-05", title: "A non-SSO sign-in method enabled by {actor}", severity: .medium,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["operation"], categories: ["Account"],
                                          detailPrefix: "Sign-in Methods  - Allow users to sign in with ", detailSuffix: "from Off to On"),
                        catches: "Users may now sign in with Google, Apple, Facebook or a password beside SSO.",
                        falsePositives: "A deliberate opening for contractors without SSO accounts.",
                        tuning: "Exclude the identity team's admins; keep the alert for everyone else."),
        DetectionPolicy(id: "ZDT-06", title: "Password requirements weakened by {actor}", severity: .medium,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["operation"], categories: ["Account"],
                                          detailContains: ["Sign-In Password Requirement", "On to Off"]),
                        catches: "A password rule (length, character classes, reuse) turned off.",
                        falsePositives: "Passwords no longer used because every user signs in with SSO.",
                        tuning: "Lower the severity once password sign-in is disabled."),
        DetectionPolicy(id: "ZDT-07", title: "{target} promoted to a privileged role by {actor}", severity: .high,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["operation"], categories: ["User"],
                                          detailPrefix: "Change Role", detailPattern: #"from (?!Owner|Co-Owner|Admin|Billing Admin)[-\w ]+ to (Owner|Co-Owner|Admin|Billing Admin)\b"#),
                        groupWindow: 0,
                        catches: "A member made Owner, Co-Owner, Admin or Billing Admin.",
                        falsePositives: "Planned staffing changes of the IT team.",
                        tuning: "Route to the owners of the admin-role review; exclude the HR-provisioning account."),
        DetectionPolicy(id: "ZDT-08", title: "{count} users deleted or deactivated by {actor} within 10 minutes", severity: .high,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["operation"], categories: ["User"], actions: ["Delete", "Deactivate", "Batch Delete"]),
                        kind: .count(threshold: 5, window: 600, per: .actor),
                        catches: "Mass removal of users: an attacker locking people out, or a script gone wrong.",
                        falsePositives: "Off-boarding waves and SCIM clean-ups.",
                        tuning: "Raise the threshold to the size of the largest planned batch; exclude the SCIM service account."),
        DetectionPolicy(id: "ZDT-20", title: "{actor} signed in from an address never seen for them ({value})", severity: .low,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["signin"], actions: ["Sign in"]),
                        kind: .firstSeen(field: .ipAddress, learning: week, per: .actor), groupWindow: 3600, dailyCap: 200,
                        catches: "A sign-in from a network the user has not used in the learning period or since.",
                        falsePositives: "Travel, home networks, mobile carriers that change addresses.",
                        tuning: "Exclude corporate and VPN ranges (excludeIPNetworks); raise to medium for admins only."),
        DetectionPolicy(id: "ZDT-21", title: "{actor} signed in with a new kind of client ({value})", severity: .low,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["signin"], actions: ["Sign in"]),
                        kind: .firstSeen(field: .clientType, learning: week, per: .actor),
                        catches: "A client type (Browser, Mac, Android, …) the user has never used.",
                        falsePositives: "A new laptop or phone.",
                        tuning: "Limit to admins (actors) where devices are managed."),
        DetectionPolicy(id: "ZDT-22", title: "{actor} signed in from {count} addresses within an hour", severity: .medium,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["signin"], actions: ["Sign in"]),
                        kind: .distinct(field: .ipAddress, threshold: 4, window: 3600, per: .actor),
                        catches: "One account used from many networks at once: shared or stolen credentials.",
                        falsePositives: "Mobile users moving between Wi-Fi and carrier networks.",
                        tuning: "Raise the threshold, or exclude carrier ranges."),
        DetectionPolicy(id: "ZDT-23", title: "{actor} signed in again after a long silence (last seen {value})", severity: .medium,
                        match: EventMatch(providers: [ZoomProvider.kind], streams: ["signin"], actions: ["Sign in"]),
                        kind: .returnAfter(gap: 30 * 86_400, learning: week, per: .actor),
                        catches: "An account inactive for 30 days or more that signs in again (a leaver's account reused).",
                        falsePositives: "Long leave; seasonal staff.",
                        tuning: "Lengthen the gap; better, remove inactive accounts (control ZID-16)."),
    ]
}
