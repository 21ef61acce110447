/// Spaces requests per rate-limit category so that a well-behaved Zoom never answers 429.
///
/// Each category is a GCRA (virtual scheduling) lane: a request may start at the lane's next free
/// instant, which then moves on by 1/rate. There is no burst allowance on our side, so the requests
/// reach Zoom evenly spaced and Zoom's own burst allowance absorbs network jitter. After a 429 the
/// lane is pushed back for everyone, not only the request that saw it.
public actor RatePacer {
    private let clock: any PacingClock
    private var intervals: [RateLimitCategory: Duration]
    private var nextFree: [RateLimitCategory: Duration] = [:]
    private(set) var totalWait: Duration = .zero
    private(set) var waits = 0

    public init(plan: ZoomPlan, fraction: Double = 1.0, clock: any PacingClock) {
        self.clock = clock
        var intervals: [RateLimitCategory: Duration] = [:]
        for category in RateLimitCategory.allCases {
            let rate = plan.limit(category).perSecond * max(0.01, fraction)
            intervals[category] = .nanoseconds(Int64((1.0 / rate) * 1e9))
        }
        self.intervals = intervals
    }

    /// The spacing between two requests of a category.
    public func interval(for category: RateLimitCategory) -> Duration { intervals[category] ?? .zero }

    /// Reserves the next slot of `category` and returns how long the caller must wait for it.
    private func reserve(_ category: RateLimitCategory) -> Duration {
        let now = clock.now()
        let start = max(now, nextFree[category] ?? now)
        nextFree[category] = start + (intervals[category] ?? .zero)
        let wait = start - now
        if wait > .zero {
            totalWait += wait
            waits += 1
        }
        return wait
    }

    /// Waits for the next slot of `category`. Cancellable.
    public func acquire(_ category: RateLimitCategory) async throws {
        let wait = reserve(category)
        if wait > .zero { try await clock.sleep(for: wait) }
    }

    /// Pushes the lane back: nobody in `category` starts before `delay` from now.
    public func backOff(_ category: RateLimitCategory, for delay: Duration) {
        let until = clock.now() + delay
        if (nextFree[category] ?? .zero) < until { nextFree[category] = until }
    }

    public func waitSummary() -> (count: Int, total: Duration) { (waits, totalWait) }
}

/// What a client did: requests and 429s per category, requests per operation, retries.
public struct ZoomClientStats: Sendable, Equatable {
    public var requests: [RateLimitCategory: Int] = [:]
    /// Requests per operation (`GET /users`, …), every attempt counted as in `requests`; an
    /// operation's category is `operation.category`, so these add up to `requests` per category.
    public var requestsByOperation: [ZoomOperation: Int] = [:]
    public var rateLimited: [RateLimitCategory: Int] = [:]
    public var serverErrors = 0
    public var transientRetries = 0
    public var tokenFetches = 0
    public var tokenRejections = 0
    public var listingRestarts = 0
    public var pacingWaits = 0
    public var pacingWaitTotal: Duration = .zero

    public init() {}
    public var totalRequests: Int { requests.values.reduce(0, +) }
    public var total429: Int { rateLimited.values.reduce(0, +) }
}

actor StatsRecorder {
    var stats = ZoomClientStats()
    func request(_ operation: ZoomOperation) {
        stats.requests[operation.category, default: 0] += 1
        stats.requestsByOperation[operation, default: 0] += 1
    }
    func rateLimited(_ c: RateLimitCategory) { stats.rateLimited[c, default: 0] += 1 }
    func serverError() { stats.serverErrors += 1 }
    func transientRetry() { stats.transientRetries += 1 }
    func tokenFetch() { stats.tokenFetches += 1 }
    func tokenRejection() { stats.tokenRejections += 1 }
    func listingRestart() { stats.listingRestarts += 1 }
    func reset() { stats = ZoomClientStats() }
}
