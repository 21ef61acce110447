import Foundation
import SSPMCore
import Testing

@Suite("Form and query encoding")
struct FormEncodingTests {
    @Test("percent-encoding leaves only RFC 3986's unreserved ASCII (and what the caller keeps); a letter outside ASCII is encoded as UTF-8; decoding gives the text back")
    func percentEncoding() {
        let text = "Zoë & Ålborg/ä+b=c?d#e 100%"
        let encoded = FormEncoding.percentEncode(text)
        #expect(encoded == "Zo%C3%AB%20%26%20%C3%85lborg%2F%C3%A4%2Bb%3Dc%3Fd%23e%20100%25")
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(FormEncoding.pairs("q=" + encoded).first?.1 == text)
        // OData's query syntax stays readable; everything else is still encoded.
        #expect(FormEncoding.percentEncode("appId eq 'é'", keeping: FormEncoding.odataQueryKept) == "appId%20eq%20'%C3%A9'")
        #expect(FormEncoding.percentEncode("id,mail,$x(1)", keeping: FormEncoding.odataQueryKept) == "id,mail,$x(1)")
    }
}
