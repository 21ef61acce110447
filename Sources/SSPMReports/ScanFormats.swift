import CSV
import Foundation
import SSPMCore

/// Output formats of `sspm scan`.
public enum ScanFormat: String, CaseIterable, Sendable {
    case table, json, csv, markdown, ocsf, graph
}

public enum ScanFormatter {
    /// `catalogue` is the scanned provider's (vendor names, frameworks, portal).
    public static func render(_ result: ScanResult, as format: ScanFormat, catalogue: RuleCatalogue, diff: ScanDiff? = nil, color: Bool = false) throws -> String {
        switch format {
        case .table: return table(result, catalogue: catalogue, diff: diff, color: color)
        case .json: return try json(result, diff: diff)
        case .csv: return try csv(result)
        case .markdown: return markdown(result, catalogue: catalogue, diff: diff)
        case .ocsf: return try ocsf(result, catalogue: catalogue)
        case .graph: return try graph(result, catalogue: catalogue)
        }
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func json(_ result: ScanResult, diff: ScanDiff?) throws -> String {
        struct Output: Encodable {
            var result: ScanResult
            var diff: ScanDiff?
            func encode(to encoder: any Encoder) throws {
                try result.encode(to: encoder)
                if let diff {
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(diff, forKey: Key(stringValue: "diff"))
                }
            }
            struct Key: CodingKey {
                var stringValue: String
                init(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { nil }
            }
        }
        return String(decoding: try encoder().encode(Output(result: result, diff: diff)), as: UTF8.self)
    }

    /// Reads a previous `--format json` output (for `--diff`).
    public static func readJSON(_ data: Data) throws -> ScanResult {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ScanResult.self, from: data)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    static func paint(_ verdict: Verdict, _ text: String, _ color: Bool) -> String {
        guard color else { return text }
        let code: String
        switch verdict {
        case .pass: code = "32"
        case .fail: code = "31"
        case .warn: code = "33"
        case .error: code = "35"
        case .manual, .notApplicable: code = "36"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    public static func table(_ r: ScanResult, catalogue: RuleCatalogue, diff: ScanDiff?, color: Bool) -> String {
        var lines: [String] = []
        lines.append("\(catalogue.vendor) account \(r.accountName.isEmpty ? r.accountId : "\(r.accountName) (\(r.accountId))") — Secure Score \(fmt(r.score.achieved))/\(fmt(r.score.max)) (\(fmt(r.score.percent))%)")
        lines.append("Baseline: \(r.baseline.name) v\(r.baseline.version); verdicts: " + Verdict.allCases.compactMap { v in r.verdictCounts[v.rawValue].map { "\($0) \(v.rawValue)" } }.joined(separator: ", "))
        for (source, reason) in r.unavailable.sorted(by: { $0.key < $1.key }) { lines.append("Not read: \(source) — \(reason)") }
        lines.append("")
        lines.append(pad("CONTROL", 8) + " " + pad("VERDICT", 14) + " " + pad("SEVERITY", 8) + " " + pad("POINTS", 9) + " TITLE")
        let sorted = r.findings.sorted { a, b in
            if a.verdict.sortRank != b.verdict.sortRank { return a.verdict.sortRank < b.verdict.sortRank }
            if a.severity != b.severity { return a.severity > b.severity }
            return a.controlId < b.controlId
        }
        for f in sorted {
            let points = f.scored ? "\(fmt(f.score))/\(fmt(f.maxScore))" : "-"
            lines.append(pad(f.controlId, 8) + " " + paint(f.verdict, pad(f.verdict.rawValue, 14), color) + " " + pad(f.severity.rawValue, 8) + " " + pad(points, 9) + " " + f.title)
            if f.verdict != .pass && f.verdict != .notApplicable {
                lines.append(String(repeating: " ", count: 9) + "↳ " + f.detail)
                if f.state != .toAddress && f.state != .completed { lines.append(String(repeating: " ", count: 9) + "↳ state: \(f.state.rawValue)" + (f.stateNote.map { " — \($0)" } ?? "")) }
            }
        }
        if let diff {
            lines.append("")
            lines.append("Since the previous scan: score \(diff.scoreDelta >= 0 ? "+" : "")\(fmt(diff.scoreDelta)) (\(diff.percentDelta >= 0 ? "+" : "")\(fmt(diff.percentDelta)) points of percent), \(diff.changes.count) control(s) changed")
            for change in diff.changes {
                lines.append("  \(change.controlId): \(change.from?.rawValue ?? "new") → \(change.to?.rawValue ?? "removed")  \(change.title)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func csv(_ r: ScanResult) throws -> String {
        let writer = try CSVWriter(stream: .toMemory())
        try writer.write(row: ["controlId", "title", "category", "severity", "verdict", "state", "score", "maxScore", "affectedGroups", "affectedUsers", "detail", "remediation", "portalPath"])
        for f in r.findings {
            try writer.write(row: [
                f.controlId, f.title, f.category.rawValue, f.severity.rawValue, f.verdict.rawValue, f.state.rawValue,
                fmt(f.score), fmt(f.maxScore), f.affectedGroups.map(\.name).joined(separator: "; "),
                f.affectedUsers.map(\.email).joined(separator: "; "), f.detail, f.remediation, f.portalPath,
            ].map(ActivityFormatter.spreadsheetSafe))  // group names and details come from the provider
        }
        writer.stream.close()
        let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public static func markdown(_ r: ScanResult, catalogue: RuleCatalogue, diff: ScanDiff?) -> String {
        var out = "# \(catalogue.vendor) posture: \(r.accountName.isEmpty ? r.accountId : r.accountName)\n\n"
        out += "Secure Score **\(fmt(r.score.achieved)) / \(fmt(r.score.max)) (\(fmt(r.score.percent))%)**, baseline \(r.baseline.name) v\(r.baseline.version).\n\n"
        out += "| category | score |\n|---|---:|\n"
        for (name, s) in r.categories.sorted(by: { $0.key < $1.key }) { out += "| \(name) | \(fmt(s.achieved))/\(fmt(s.max)) (\(fmt(s.percent))%) |\n" }
        out += "\n| control | verdict | severity | points | title | detail |\n|---|---|---|---:|---|---|\n"
        for f in r.findings {
            out += "| \(f.controlId) | \(f.verdict.rawValue) | \(f.severity.rawValue) | \(f.scored ? "\(fmt(f.score))/\(fmt(f.maxScore))" : "–") | \(md(f.title)) | \(md(f.detail)) |\n"
        }
        if let diff, !diff.changes.isEmpty {
            out += "\n## Changes since the previous scan\n\n"
            for c in diff.changes { out += "- \(c.controlId) \(md(c.title)): \(c.from?.rawValue ?? "new") → \(c.to?.rawValue ?? "removed")\n" }
        }
        return out
    }

    static func md(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func fmt(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(format: "%.2f", value)
    }
}

extension Verdict {
    var sortRank: Int {
        switch self {
        case .fail: return 0
        case .error: return 1
        case .warn: return 2
        case .manual: return 3
        case .pass: return 4
        case .notApplicable: return 5
        }
    }
}
