import Foundation
import Synchronization

/// The simulator's notion of "now": real time, optionally sped up, plus an offset tests can move.
/// Token expiry, page-token expiry, report ranges, daily limits and webhook retries follow it.
public final class SimulatorClock: Sendable {
    private struct State {
        var realOrigin: Date
        var simOrigin: Date
        var scale: Double
    }
    private let state: Mutex<State>

    /// `scale` simulated seconds pass per real second (1 = real time).
    public init(start: Date = Date(), scale: Double = 1) {
        state = Mutex(State(realOrigin: Date(), simOrigin: start, scale: scale))
    }

    public func now() -> Date {
        state.withLock { s in s.simOrigin.addingTimeInterval(Date().timeIntervalSince(s.realOrigin) * s.scale) }
    }

    /// Moves simulated time forward.
    public func advance(by seconds: TimeInterval) {
        state.withLock { s in s.simOrigin = s.simOrigin.addingTimeInterval(seconds) }
    }

    /// Changes the speed of simulated time from now on.
    public func setScale(_ scale: Double) {
        state.withLock { s in
            let realNow = Date()
            s.simOrigin = s.simOrigin.addingTimeInterval(realNow.timeIntervalSince(s.realOrigin) * s.scale)
            s.realOrigin = realNow
            s.scale = scale
        }
    }

    public var scale: Double { state.withLock { $0.scale } }
}
