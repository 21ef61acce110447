import Foundation
import NIOCore
import NIOPosix
import SQLKit
import SSPMCore
import SSPMStorage
import SSPMTestSupport
import Synchronization
import Testing

/// The connection pool itself: whose threads a query runs on, and what a query that finds no free
/// connection gets.
@Suite struct SQLStorageTests {
    @Test("a SQLite database's queries run on its own thread: they answer while every thread of NIO's shared blocking pool is held")
    func ownThread() async throws {
        try await Backend.sqlite.withStorage { storage in
            // Hold every thread of the shared pool (and queue more behind them) until the query
            // below has answered; a holder gives up after 20 s, so a query stuck behind them ends too.
            let release = DispatchSemaphore(value: 0)
            let holders = NIOSingletons.blockingPoolThreadCountSuggestion + 2
            let gaveUp = Atomic<Int>(0)
            let started = Atomic<Int>(0)
            for _ in 0..<holders {
                NIOThreadPool.singleton.submit { _ in
                    started.add(1, ordering: .relaxed)
                    if release.wait(timeout: .now() + 20) == .timedOut { gaveUp.add(1, ordering: .relaxed) }
                }
            }
            while started.load(ordering: .relaxed) < NIOSingletons.blockingPoolThreadCountSuggestion { try await Task.sleep(for: .milliseconds(5)) }
            let rows = try await storage.withSQL { db in try await db.raw("SELECT 1 AS one").all() }
            for _ in 0..<holders { release.signal() }
            #expect(rows.count == 1)
            // Had the query waited for the shared pool, the holders would have given up first.
            #expect(gaveUp.load(ordering: .relaxed) == 0)
        }
    }

    @Test("a query that finds no free connection within the wait fails with StoreError.busy, naming the wait", arguments: Backend.available)
    func busy(_ backend: Backend) async throws {
        let storage = try SQLStorage(try await backend.freshLocation(), logger: LogCapture().logger(label: "busy"), connectionWait: .milliseconds(300))
        do {
            // PostgreSQL has eight connections a process: hold them all.
            let connections = backend == .sqlite ? 1 : 8
            let (heldStream, held) = AsyncStream<Void>.makeStream()
            let releases = (0..<connections).map { _ in AsyncStream<Void>.makeStream() }
            let holders = releases.map { release in
                Task {
                    try await storage.withSQL { _ in
                        held.yield()
                        for await _ in release.stream { break }
                    }
                }
            }
            var count = 0
            for await _ in heldStream {
                count += 1
                if count == connections { break }
            }
            do {
                _ = try await storage.withSQL { db in try await db.raw("SELECT 1 AS one").all() }
                Issue.record("a query ran although every connection was held")
            } catch let error as StoreError {
                #expect(error == .busy("no connection came free within 0.3 seconds"), "\(error)")
                #expect(error.description.contains("busy"))
            }
            for release in releases { release.continuation.finish() }
            for holder in holders { try await holder.value }
            // Free again: the next query runs.
            #expect(try await storage.withSQL { db in try await db.raw("SELECT 1 AS one").all() }.count == 1)
            try await storage.shutdown()
        } catch {
            try? await storage.shutdown()
            throw error
        }
    }
}
