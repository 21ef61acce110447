import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SSPMCore
import SSPMHTTP

/// Sends one notification as an e-mail over SMTP (RFC 5321): EHLO, STARTTLS (required when the
/// channel says so, refused if the relay does not offer it) or TLS from the first byte, AUTH PLAIN
/// (or LOGIN) when the channel has a user name, then one message to every recipient.
/// A 4xx answer or a lost connection is retried later; a 5xx answer is final.
struct SMTPSender {
    let deps: ServerDependencies
    let timeout: TimeInterval

    struct Failure: Error {
        var code: Int?
        var message: String
        /// A 5xx answer, a missing capability: trying again will not help.
        var permanent: Bool
    }

    func send(_ item: OutboxItem, channel: NotificationChannel, retry: () -> Date) async -> DeliveryOutcome {
        guard let email = channel.email else { return .dead(status: nil, error: "The channel has no SMTP settings.") }
        do {
            let code = try await withTimeout(timeout * 2) {
                try await self.converse(email, password: channel.secrets.password, message: Self.message(item, email: email, at: self.deps.now()))
            }
            return .delivered(status: code)
        } catch let failure as Failure {
            let text = "SMTP \(failure.code.map(String.init) ?? "-"): \(failure.message.prefix(200))"
            return failure.permanent ? .dead(status: failure.code, error: text) : .retry(at: retry(), status: failure.code, error: text)
        } catch {
            return .retry(at: retry(), status: nil, error: "SMTP \(email.host):\(email.port): \(describeTransport(error).prefix(200))")
        }
    }

    func withTimeout<T: Sendable>(_ seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                throw Failure(code: nil, message: "the relay did not finish within \(Int(seconds)) s", permanent: false)
            }
            let result = try await group.next()!
            group.cancelAll()
            return result
        }
    }

    func tlsContext(_ email: EmailSettings) throws -> (NIOSSLContext, String?) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let pem = email.caCertificate {
            let extra = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            configuration.trustRoots = .default
            configuration.additionalTrustRoots = [.certificates(extra)]
        }
        let context = try NIOSSLContext(configuration: configuration)
        // An address is not a server name (SNI); the certificate is still checked against it.
        let isAddress = email.host.contains(":") || email.host.split(separator: ".").allSatisfy { Int($0) != nil }
        return (context, isAddress ? nil : email.host)
    }

    /// The whole dialogue; returns the code the relay accepted the message with.
    func converse(_ email: EmailSettings, password: String?, message: String) async throws -> Int {
        let implicitTLS = email.security == .tls
        let tls = implicitTLS ? try tlsContext(email) : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .connect(host: email.host, port: email.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls.0, serverHostname: tls.1)) }
                    let exchange = SMTPExchange()
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder(exchange: exchange)))
                    try channel.pipeline.syncOperations.addHandler(SMTPCommandCounter(exchange: exchange))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func reply() async throws -> (code: Int, lines: [String]) {
                var collected: [String] = []
                while true {
                    guard var buffer = try await lines.next() else {
                        throw Failure(code: nil, message: "the relay closed the connection", permanent: false)
                    }
                    var line = buffer.readString(length: buffer.readableBytes) ?? ""
                    if line.hasSuffix("\r") { line.removeLast() }
                    guard line.count >= 3, let code = Int(line.prefix(3)) else {
                        throw Failure(code: nil, message: "the relay answered something that is not SMTP: \(LogText.clean(String(line), limit: 80))", permanent: false)
                    }
                    // The relay writes it: control characters are escaped here, once, for every
                    // use (errors, the delivery log, the server's log).
                    collected.append(LogText.clean(String(line.dropFirst(4)), limit: 512))
                    if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return (code, collected) }
                    if collected.count > 200 { throw Failure(code: code, message: "the relay's answer does not end", permanent: false) }
                }
            }
            func command(_ text: String, expect: Set<Int>, what: String) async throws -> (code: Int, lines: [String]) {
                try await outbound.write(ByteBuffer(string: text + "\r\n"))
                let answer = try await reply()
                guard expect.contains(answer.code) else {
                    throw Failure(code: answer.code, message: "\(what) refused: \(answer.lines.joined(separator: " ").prefix(160))", permanent: answer.code >= 500)
                }
                return answer
            }
            let greeting = try await reply()
            guard greeting.code == 220 else {
                throw Failure(code: greeting.code, message: "the relay is not ready: \(greeting.lines.joined(separator: " ").prefix(160))", permanent: greeting.code >= 500)
            }
            let name = "openssp.local"
            var capabilities = try await command("EHLO \(name)", expect: [250], what: "EHLO").lines.map { $0.uppercased() }
            if email.security == .starttls {
                guard capabilities.contains(where: { $0.hasPrefix("STARTTLS") }) else {
                    throw Failure(code: nil, message: "the relay does not offer STARTTLS, and the channel requires it (choose security 'tls' for port 465)", permanent: true)
                }
                _ = try await command("STARTTLS", expect: [220], what: "STARTTLS")
                // The handler is made on the channel's event loop: it is not Sendable, its context is.
                // Plain text may not follow the answer: the decoder refuses anything beyond it.
                let (context, serverName) = try tlsContext(email)
                try await raw.eventLoop.submit {
                    try raw.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
                }.get()
                capabilities = try await command("EHLO \(name)", expect: [250], what: "EHLO after STARTTLS").lines.map { $0.uppercased() }
            }
            if let username = email.username {
                let password = password ?? ""
                let auth = capabilities.first { $0.hasPrefix("AUTH") } ?? ""
                if auth.contains("PLAIN") {
                    let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
                    _ = try await command("AUTH PLAIN \(token)", expect: [235], what: "Authentication")
                } else if auth.contains("LOGIN") {
                    _ = try await command("AUTH LOGIN", expect: [334], what: "Authentication")
                    _ = try await command(Data(username.utf8).base64EncodedString(), expect: [334], what: "Authentication (user name)")
                    _ = try await command(Data(password.utf8).base64EncodedString(), expect: [235], what: "Authentication")
                } else {
                    throw Failure(code: nil, message: "the relay offers no AUTH PLAIN or LOGIN (over this connection), and the channel has a user name", permanent: true)
                }
            }
            _ = try await command("MAIL FROM:<\(email.from)>", expect: [250], what: "The sender")
            for recipient in email.to { _ = try await command("RCPT TO:<\(recipient)>", expect: [250, 251], what: "The recipient \(recipient)") }
            _ = try await command("DATA", expect: [354], what: "DATA")
            let accepted = try await command(message + "\r\n.", expect: [250], what: "The message")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            return accepted.code
        }
    }

    /// The message (headers and a base64 UTF-8 body), CRLF line ends, dot-stuffed, without the
    /// final dot. Header values lose any CR or LF (no header injection through an alert's title).
    /// RFC 2047 encoded-words of at most 75 characters (45 bytes of UTF-8 each, cut between
    /// characters), folded onto continuation lines, so no header line grows past the limits.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?utf-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?utf-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func message(_ item: OutboxItem, email: EmailSettings, at: Date) -> String {
        // By scalar: Swift reads "\r\n" as one Character, which a filter on "\r" and "\n" lets through.
        func clean(_ text: String) -> String {
            var out = String.UnicodeScalarView()
            out.append(contentsOf: text.unicodeScalars.filter { ($0 == " " || !$0.properties.isWhitespace) && $0.properties.generalCategory != .control }.prefix(300))
            return String(out)
        }
        let subject = clean(NotificationMessage.headline(item.payload))
        var body = NotificationMessage.headline(item.payload) + "\n\n"
        body += NotificationMessage.facts(item.payload).map { "\($0.0): \($0.1)" }.joined(separator: "\n")
        body += "\n\n-- \nOpenSSPM notification \(item.id)\n"
        let encoded = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let dateFormatter = DateFormatter()
        dateFormatter.locale = Locale(identifier: "en_US_POSIX")
        dateFormatter.timeZone = TimeZone(identifier: "UTC")
        dateFormatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let headers = [
            "From: <\(clean(email.from))>",
            "To: " + email.to.map { "<\(clean($0))>" }.joined(separator: ", "),
            "Subject: " + encodedWords(subject),
            "Date: \(dateFormatter.string(from: at))",
            "Message-ID: <\(item.id)@openssp.local>",
            "X-OpenSSPM-Notification: \(item.id)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        // Base64 lines never start with a dot, but the stuffing is the rule for any line.
        let lines = (headers + [""] + encoded.components(separatedBy: "\r\n")).map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return lines.joined(separator: "\r\n")
    }
}

/// What the relay may send: one answer per command written, the greeting first. Anything beyond
/// is refused. Answers sent ahead (in the packet of the one expected, or with nothing asked) would
/// be taken as the answers to later commands, and across STARTTLS as answers from inside TLS: the
/// STARTTLS command-injection flaw. Used on the channel's event loop only.
final class SMTPExchange {
    /// Answers owed: commands written (each is one write and gets one answer) plus the greeting,
    /// minus the answers read.
    var expecting = 1
}

/// Counts the commands written.
final class SMTPCommandCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let exchange: SMTPExchange
    init(exchange: SMTPExchange) { self.exchange = exchange }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        exchange.expecting += 1
        context.write(data, promise: promise)
    }
}

/// Splits the relay's answer into lines (without the LF); a line longer than 4 KiB is an error,
/// so a hostile relay cannot make it buffer without end.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    static let longest = 4096
    let exchange: SMTPExchange

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if exchange.expecting <= 0, buffer.readableBytes > 0 {
            throw SMTPSender.Failure(code: nil, message: "the relay sent more than the answer to our command (answers sent ahead are refused: across STARTTLS they would pass for answers from inside TLS, a command injection by something on the path); nothing more was sent", permanent: false)
        }
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.longest { throw SMTPSender.Failure(code: nil, message: "the relay sent a line longer than 4 KiB", permanent: false) }
            return .needMoreData
        }
        let length = end - buffer.readerIndex
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        // The last line of a reply has a space (or nothing) after its code, not a dash.
        if line.readableBytes < 4 || line.getInteger(at: line.readerIndex + 3, as: UInt8.self) != UInt8(ascii: "-") {
            exchange.expecting -= 1
        }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}
