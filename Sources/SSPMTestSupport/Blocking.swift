import Dispatch

/// Runs blocking work (sockets, child processes and their pipes) on a Dispatch thread. Swift's
/// cooperative pool has one thread per core, and the servers under test run their handlers on it:
/// a test that blocks a pool thread while a server must answer it can stall every test in the
/// process (on two cores, two such waits deadlock until their timeouts).
public func blockingCall<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
