import Foundation

/// A real SMTP server (aiosmtpd, Tests/Receivers/smtp_receiver.py) in a child process: STARTTLS or
/// TLS with a self-signed certificate the test trusts, AUTH, and every message written to a file.
public final class SMTPReceiver: @unchecked Sendable {
    // @unchecked: every stored property is set in init and only read afterwards; `Process` is safe
    // to terminate from any thread, and the stdin pipe is only closed in `stop`.
    public let port: Int
    public let directory: URL
    private let process: Process
    private let stdin: Pipe

    public struct Message: Sendable {
        public var from: String
        public var to: [String]
        public var subject: String
        public var body: String
        public var raw: String
        public var user: String?
        public var tls: Bool
    }

    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Receivers/smtp_receiver.py")
    }

    /// Whether python3 with aiosmtpd and openssl are here (.ci/run installs aiosmtpd); else the
    /// SMTP tests are skipped, saying so.
    public static var available: Bool {
        func runs(_ arguments: [String]) -> Bool {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            return p.terminationStatus == 0
        }
        return runs(["python3", "-c", "import aiosmtpd"]) && runs(["openssl", "version"])
    }

    /// `mode`: starttls, tls or plain; `failRecipients`: a code every RCPT is answered with.
    public init(mode: String = "starttls", user: String? = nil, password: String? = nil, failRecipients: Int? = nil) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-smtp-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        self.process = process
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", Self.script.path, "--dir", directory.path, "--mode", mode]
        if let user, let password { arguments += ["--user", user, "--password", password] }
        if let failRecipients { arguments += ["--fail-rcpt", String(failRecipients)] }
        process.arguments = arguments
        let out = directory.appendingPathComponent("stdout.txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: { let e = directory.appendingPathComponent("stderr.txt"); _ = FileManager.default.createFile(atPath: e.path, contents: nil); return e }())
        let stdin = Pipe()
        self.stdin = stdin
        process.standardInput = stdin
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        var found: Int?
        while found == nil, ContinuousClock.now < deadline, process.isRunning {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) { found = Int(line.dropFirst(5)) } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let found else {
            let errors = (try? String(contentsOf: directory.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? ""
            process.terminate()
            throw ReceiverError(description: "the SMTP receiver did not start: \(errors.suffix(1000))")
        }
        port = found
    }

    struct ReceiverError: Error, CustomStringConvertible { let description: String }

    /// The certificate the receiver presents (a channel's caCertificate).
    public var certificate: String { (try? String(contentsOf: directory.appendingPathComponent("cert.pem"), encoding: .utf8)) ?? "" }

    public var messages: [Message] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("messages.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Message(from: o["mail_from"] as? String ?? "", to: o["rcpt_tos"] as? [String] ?? [], subject: o["subject"] as? String ?? "",
                           body: o["body"] as? String ?? "", raw: o["data"] as? String ?? "", user: o["auth_login"] as? String, tls: o["tls"] as? Bool ?? false)
        }
    }

    /// AUTH attempts: (user, accepted).
    public var authentications: [(String, Bool)] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("auth.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (o["user"] as? String ?? "", o["ok"] as? Bool ?? false)
        }
    }

    public func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
