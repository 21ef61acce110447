import Foundation

/// A policy's detail pattern with a bound on the work of one match.
///
/// `PatternSafety` refuses the shapes known to backtrack badly, but a backtracking matcher can
/// still take a power of the text's length on a pattern it lets through (`.*a.*b` over a long
/// detail without a match). The text a Zoom user controls must not be able to stall detection, so
/// each match runs under a budget of progress reports: the regular-expression engine (ICU, through
/// Foundation) reports once for each place in the text it starts a match from, and once every
/// few thousand steps of a long attempt. A match may take one report per place plus `budget`; then
/// it is abandoned and counts as no match (`gaveUp`). The budget counts steps, not time, so the
/// outcome is the same on a fast or a slow machine.
public struct BoundedPattern: Sendable {
    /// How many reports of a long attempt one match may take beyond one per place in the text:
    /// about 1.6 million engine steps, a few tens of milliseconds. Ordinary patterns over a
    /// 4,000-character detail need none.
    public static let defaultBudget = 100
    /// The characters of a detail a pattern reads (the rest is not matched).
    public static let window = 4000

    public enum Outcome: Sendable, Equatable { case match, noMatch, gaveUp }

    public let expression: NSRegularExpression
    public let budget: Int

    public init(_ pattern: String, budget: Int = BoundedPattern.defaultBudget) throws {
        expression = try NSRegularExpression(pattern: pattern)
        self.budget = budget
    }

    /// Whether the pattern matches somewhere in the first `window` characters of `text`, within
    /// the budget.
    public func outcome(in text: String) -> Outcome {
        let text = text.count > Self.window ? String(text.prefix(Self.window)) : text
        var result = Outcome.noMatch
        var reports = 0
        let limit = text.utf16.count + 1 + budget
        expression.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(text.startIndex..., in: text)) { match, flags, stop in
            if match != nil {
                result = .match
                stop.pointee = true
            } else if flags.contains(.progress) {
                reports += 1
                if reports > limit {
                    result = .gaveUp
                    stop.pointee = true
                }
            }
        }
        return result
    }
}
