import Foundation
import Hummingbird
import Logging
import SSPMRuntime

/// Acme's API, just enough of it: `GET /me`, `/settings`, `/audit`, each behind `Bearer <key>`.
struct AcmeSource: Sendable {
    let listening: ListeningGroup
    var url: String { "http://127.0.0.1:\(listening.port)" }

    static let key = "acme-key-1"
    static let audit = #"[{"id":"a1","time":"2026-12-01T09:00:00Z","user":"ops@acme.example","action":"login","ip":"192.0.2.40"},"#
        + #"{"id":"a2","time":"2026-12-01T09:05:00Z","user":"ops@acme.example","action":"settings.update","ok":false}]"#

    static func start(logger: Logger) async throws -> AcmeSource {
        let router = Router()
        for (path, body) in [("/me", #"{"tenant":"acme-prod"}"#), ("/settings", #"{"mfa":false,"session_minutes":600}"#), ("/audit", audit)] {
            router.get(RouterPath(path)) { request, _ -> Response in
                guard request.headers[.authorization] == "Bearer \(key)" else { return Response(status: .unauthorized) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
        }
        let listening = try await ListeningGroup.start(host: "127.0.0.1", port: 0, flag: "--acme-port", logger: logger) { onRunning in
            [Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { await onRunning($0.localAddress?.port ?? 0) },
                         logger: logger)]
        }
        return AcmeSource(listening: listening)
    }
}
