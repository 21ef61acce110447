import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// A ServiceGroup holding an HTTP server that reports the port it bound. `start` returns once the
/// server listens, or throws at once when it cannot (the port is taken, or needs privileges) —
/// never waits for a port that will not come. Used by the OpenSSPM server and the simulator.
public final class ListeningGroup: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `services` receives the callback the HTTP server calls with its bound port.
    public static func start(host: String, port requested: Int, flag: String, signals: [UnixSignal] = [], logger: Logger,
                             services: (@escaping @Sendable (Int) async -> Void) -> [any Service]) async throws -> ListeningGroup {
        let (stream, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let group = ServiceGroup(configuration: .init(services: services { port in continuation.yield(.success(port)) },
                                                      gracefulShutdownSignals: signals, logger: logger))
        let task = Task {
            do {
                try await group.run()
                continuation.finish()
            } catch {
                continuation.yield(.failure(error))
                continuation.finish()
                throw error
            }
        }
        var iterator = stream.makeAsyncIterator()
        switch await iterator.next() {
        case .success(let port): return ListeningGroup(port: port, group: group, task: task)
        case .failure(let error): throw ListenError(host: host, port: requested, flag: flag, underlying: error)
        case nil: throw ListenError(host: host, port: requested, flag: flag, underlying: nil)
        }
    }

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// Waits until the services end (a signal, or `stop`).
    public func wait() async throws { try await task.value }

    /// Stops accepting work and waits for the services to end.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A server that could not listen, said so a person can act on it.
public struct ListenError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// The command-line flag that moves the port (`--port`).
    public let flag: String
    public let underlying: (any Error)?

    public init(host: String, port: Int, flag: String, underlying: (any Error)?) {
        self.host = host
        self.port = port
        self.flag = flag
        self.underlying = underlying
    }

    /// The errno behind a bind failure, when there is one.
    public static func errno(of error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        return nil
    }

    public var description: String {
        let code = underlying.flatMap(Self.errno)
        let text = underlying.map { String(describing: $0) } ?? ""
        if code == EADDRINUSE || text.contains("Address already in use") {
            return "Port \(port) on \(host) is already in use by another program. Stop that program, or pass \(flag) with another port (\(flag) 0 picks a free one)."
        }
        if code == EACCES || text.contains("Permission denied") {
            return "Port \(port) on \(host) needs privileges this user does not have. Pass \(flag) with a port above 1023."
        }
        if code == EADDRNOTAVAIL || text.contains("Cannot assign requested address") {
            return "\(host) is not an address of this machine, so nothing can listen on it. Use 127.0.0.1, 0.0.0.0 or one of this machine's addresses."
        }
        return "Cannot listen on \(host):\(port): \(text.prefix(200)). Check the address, or pass \(flag) with another port."
    }
}
