import Foundation

/// A policy's detail pattern with a bound on the work of one match.
///
/// `PatternSafety` refuses the shapes known to backtrack badly, but a backtracking matcher can
/// still take a power of the text's length on a pattern it lets through (`.*a.*b` over a long
/// detail without a match). The text a Zoom user controls must not be able to stall detection, so
/// each match reads at most `window` UTF-16 units of the detail and is abandoned once it has both
/// run past `budget` and taken more than `extraReports` progress reports beyond one per place in
/// the text. The regular-expression engine (ICU, through Foundation) reports once for each place
/// it starts from and once every several thousand steps of a long attempt, so an ordinary pattern
/// never has the extra reports, however long its thread waits for a core (no match is lost to a
/// busy machine), and a backtracking one has them within milliseconds. An abandoned match counts
/// as no match (`gaveUp`). Ordinary patterns over a full window take well under a millisecond.
public struct BoundedPattern: Sendable {
    /// How long one match may run once it backtracks.
    public static let defaultBudget: Duration = .milliseconds(10)
    /// Reports of long attempts a match may take beyond one per place in the text (each several
    /// thousand engine steps).
    public static let extraReports = 100
    /// The UTF-16 units of a detail a pattern reads (the rest is not matched). Counted in units,
    /// not characters: one character may carry thousands of combining marks.
    public static let window = 4000

    public enum Outcome: Sendable, Equatable { case match, noMatch, gaveUp }

    public let expression: NSRegularExpression
    public let budget: Duration

    public init(_ pattern: String, budget: Duration = BoundedPattern.defaultBudget) throws {
        expression = try NSRegularExpression(pattern: pattern)
        self.budget = budget
    }

    /// Whether the pattern matches somewhere in the first `window` UTF-16 units of `text`, within
    /// the budget.
    public func outcome(in text: String) -> Outcome {
        let length = min(text.utf16.count, Self.window)
        var result = Outcome.noMatch
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: budget)
        let ordinary = length + 1 + Self.extraReports
        var reports = 0
        expression.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: length)) { match, flags, stop in
            if match != nil {
                result = .match
                stop.pointee = true
            } else if flags.contains(.progress) {
                reports += 1
                if reports > ordinary, clock.now > deadline {
                    result = .gaveUp
                    stop.pointee = true
                }
            }
        }
        return result
    }
}
