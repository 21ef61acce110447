import Foundation

extension ZoomClient {
    /// Follows `next_page_token` until it is absent or empty and returns every item.
    ///
    /// When Zoom says the token is invalid or expired (400 code 300; tokens live 15 minutes) the
    /// listing restarts from the first page; items already collected are skipped (counted as a
    /// multiset, so identical report rows are neither lost nor doubled).
    public func listAll<Page: ZoomPage>(
        _ operation: ZoomOperation, _ pageType: Page.Type, path: [String: String] = [:],
        query: [(String, String)] = [], pageSize: Int? = nil
    ) async throws -> [Page.Item] {
        let size = pageSize ?? operation.pageSizeMax ?? 300
        var collected: [Page.Item] = []
        var earlier: [String: Int] = [:]
        var restarts = 0
        restart: while true {
            var pageToken: String?
            var thisPass: [String: Int] = [:]
            while true {
                var pageQuery = query
                pageQuery.append(("page_size", String(size)))
                if let pageToken { pageQuery.append(("next_page_token", pageToken)) }
                let page: Page
                do {
                    page = try await send(operation, Page.self, path: path, query: pageQuery)
                } catch let error as ZoomAPIError where error.kind == .pageTokenExpired && pageToken != nil {
                    guard restarts < configuration.maxListingRestarts else { throw error }
                    restarts += 1
                    await recorder.listingRestart()
                    logger.info("Zoom page token expired, restarting the listing", metadata: ["operation": "\(operation.path)", "collected": "\(collected.count)"])
                    for (key, count) in thisPass { earlier[key, default: 0] += count }
                    continue restart
                }
                for item in page.pageItems {
                    let key = item.dedupKey
                    if let seen = earlier[key], seen > 0 {
                        earlier[key] = seen - 1
                        thisPass[key, default: 0] += 1
                        continue
                    }
                    thisPass[key, default: 0] += 1
                    collected.append(item)
                }
                guard let next = page.nextPageToken, !next.isEmpty else { return collected }
                pageToken = next
            }
        }
    }

    /// Lists a report over `[from, to]` (inclusive dates), split into calendar-month windows,
    /// because Zoom serves at most one month per request.
    public func listReport<Page: ZoomPage>(
        _ operation: ZoomOperation, _ pageType: Page.Type, from: Date, to: Date, extraQuery: [(String, String)] = []
    ) async throws -> [Page.Item] {
        var all: [Page.Item] = []
        for window in ReportWindows.split(from: from, to: to) {
            let items = try await listAll(
                operation, Page.self,
                query: [("from", window.from), ("to", window.to)] + extraQuery)
            all.append(contentsOf: items)
        }
        return all
    }
}

/// Splits a date range into windows that never cross a calendar month (UTC).
public enum ReportWindows {
    public static func split(from: Date, to: Date) -> [(from: String, to: String)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var windows: [(String, String)] = []
        var start = calendar.startOfDay(for: from)
        let end = calendar.startOfDay(for: to)
        while start <= end {
            let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: start))!
            let nextMonth = calendar.date(byAdding: .month, value: 1, to: monthStart)!
            let lastOfMonth = calendar.date(byAdding: .day, value: -1, to: nextMonth)!
            let windowEnd = min(lastOfMonth, end)
            windows.append((day(start, calendar), day(windowEnd, calendar)))
            start = calendar.date(byAdding: .day, value: 1, to: windowEnd)!
        }
        return windows
    }

    public static func day(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
