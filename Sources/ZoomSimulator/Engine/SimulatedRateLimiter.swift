import Foundation
import ZoomAPI

/// Zoom's account-level rate limits: a token bucket per category (capacity one second of requests,
/// at least one, refilled continuously, tolerating a quarter interval of arrival jitter) and the daily budgets (per category on Free, Heavy + Resource-intensive
/// combined on paid plans), reset at 00:00 UTC on the simulator clock.
struct SimulatedRateLimiter {
    enum Decision {
        case allowed(dailyLimit: Int?, dailyRemaining: Int?)
        case perSecond(limit: Int)
        case daily(limit: Int, resetsAt: Date)
    }

    private struct Bucket {
        var tokens: Double
        var last: ContinuousClock.Instant
    }

    var plan: ZoomPlan
    private var buckets: [RateLimitCategory: Bucket] = [:]
    private var dailyCounts: [RateLimitCategory: Int] = [:]
    private var combinedHeavy = 0
    private var day: String = ""
    private(set) var issued429: [RateLimitCategory: Int] = [:]
    private(set) var served: [RateLimitCategory: Int] = [:]

    init(plan: ZoomPlan) { self.plan = plan }

    mutating func check(_ category: RateLimitCategory, simNow: Date) -> Decision {
        let today = Self.dayString(simNow)
        if today != day {
            day = today
            dailyCounts = [:]
            combinedHeavy = 0
        }
        let limit = plan.limit(category)
        let now = ContinuousClock.now
        let capacity = max(1, limit.perSecond)
        var bucket = buckets[category] ?? Bucket(tokens: capacity, last: now)
        let elapsed = (now - bucket.last).secondsDouble
        bucket.tokens = min(capacity, bucket.tokens + elapsed * limit.perSecond)
        bucket.last = now

        let countsTowardCombined = category == .heavy || category == .resourceIntensive
        if let perDay = limit.perDay, dailyCounts[category, default: 0] >= perDay {
            buckets[category] = bucket
            issued429[category, default: 0] += 1
            return .daily(limit: perDay, resetsAt: Self.nextMidnight(simNow))
        }
        if countsTowardCombined, let combined = plan.combinedHeavyDailyLimit, combinedHeavy >= combined {
            buckets[category] = bucket
            issued429[category, default: 0] += 1
            return .daily(limit: combined, resetsAt: Self.nextMidnight(simNow))
        }
        // A request may arrive up to a quarter of an interval early (network jitter) without being
        // refused; the bucket goes slightly negative, so the sustained rate is still exactly the limit.
        guard bucket.tokens >= 0.75 else {
            buckets[category] = bucket
            issued429[category, default: 0] += 1
            return .perSecond(limit: Int(limit.perSecond.rounded(.up)))
        }
        bucket.tokens -= 1
        buckets[category] = bucket
        dailyCounts[category, default: 0] += 1
        if countsTowardCombined { combinedHeavy += 1 }
        served[category, default: 0] += 1
        if let perDay = limit.perDay {
            return .allowed(dailyLimit: perDay, dailyRemaining: perDay - dailyCounts[category, default: 0])
        }
        if countsTowardCombined, let combined = plan.combinedHeavyDailyLimit {
            return .allowed(dailyLimit: combined, dailyRemaining: combined - combinedHeavy)
        }
        return .allowed(dailyLimit: nil, dailyRemaining: nil)
    }

    /// Uses up the daily budget of a category (to test daily-limit handling).
    mutating func exhaustDaily(_ category: RateLimitCategory, simNow: Date) {
        _ = check(category, simNow: simNow)
        if let perDay = plan.limit(category).perDay { dailyCounts[category] = perDay }
        if (category == .heavy || category == .resourceIntensive), let combined = plan.combinedHeavyDailyLimit {
            combinedHeavy = combined
        }
    }

    mutating func resetCounters() {
        issued429 = [:]
        served = [:]
    }

    static func dayString(_ date: Date) -> String {
        String(ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate]))
    }

    static func nextMidnight(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date))!
    }
}
