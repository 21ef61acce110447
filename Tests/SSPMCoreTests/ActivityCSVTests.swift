import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMReports
import SSPMStorage
import Testing

struct ActivityCSVTests {
    @Test("CSV export: Zoom text that starts like a spreadsheet formula is neutralised with a leading apostrophe; other text is unchanged")
    func formulasNeutralised() throws {
        let payload: JSONValue = ["email": "ann@example.com", "type": "Sign in", "client_type": "=HYPERLINK(\"http://evil.example\",\"x\")", "version": "5.17"]
        var record = ZoomActivityMapping.signIn(payload)
        record.actor = "@ann"
        record.ipAddress = "192.0.2.7"
        let csv = try ActivityFormatter.csv([record])
        let row = csv.split(separator: "\n")[1]
        #expect(row.contains(#""'=HYPERLINK(""http://evil.example"",""x"") 5.17""#))
        #expect(row.contains(",'@ann,"))
        #expect(row.contains(",192.0.2.7,") && row.contains(",Sign in,"))
        for cell in ["+1", "-2", "\tx", "\rx"] { #expect(ActivityFormatter.spreadsheetSafe(cell) == "'" + cell) }
        #expect(ActivityFormatter.spreadsheetSafe("2026-12-03") == "2026-12-03")
    }
}
