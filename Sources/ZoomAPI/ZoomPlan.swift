/// A Zoom plan and its documented API rate limits (developers.zoom.us/docs/api/rate-limits).
///
/// Limits are per account and shared by every app installed on it. Heavy and Resource-intensive
/// requests share one daily budget on paid plans.
public enum ZoomPlan: String, Sendable, CaseIterable, Codable {
    case free
    case pro
    case business

    public struct Limit: Sendable, Hashable {
        /// Requests allowed per second (Resource-intensive: per minute ÷ 60).
        public var perSecond: Double
        /// A daily cap for this category alone (Free plan), if any.
        public var perDay: Int?
    }

    public func limit(_ category: RateLimitCategory) -> Limit {
        switch (self, category) {
        case (.free, .light): return Limit(perSecond: 4, perDay: 6_000)
        case (.free, .medium): return Limit(perSecond: 2, perDay: 2_000)
        case (.free, .heavy): return Limit(perSecond: 1, perDay: 1_000)
        case (.free, .resourceIntensive): return Limit(perSecond: 10.0 / 60, perDay: 30_000)
        case (.pro, .light): return Limit(perSecond: 30, perDay: nil)
        case (.pro, .medium): return Limit(perSecond: 20, perDay: nil)
        case (.pro, .heavy): return Limit(perSecond: 10, perDay: nil)
        case (.pro, .resourceIntensive): return Limit(perSecond: 10.0 / 60, perDay: nil)
        case (.business, .light): return Limit(perSecond: 80, perDay: nil)
        case (.business, .medium): return Limit(perSecond: 60, perDay: nil)
        case (.business, .heavy): return Limit(perSecond: 40, perDay: nil)
        case (.business, .resourceIntensive): return Limit(perSecond: 20.0 / 60, perDay: nil)
        }
    }

    /// The combined daily budget of Heavy and Resource-intensive requests (paid plans).
    public var combinedHeavyDailyLimit: Int? {
        switch self {
        case .free: return nil
        case .pro: return 30_000
        case .business: return 60_000
        }
    }
}
