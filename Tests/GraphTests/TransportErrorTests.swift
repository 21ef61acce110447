import AsyncHTTPClient
import SSPMHTTP
import Testing

/// `describeTransport`: what a delivery log or an error message says about a failure below HTTP.
struct TransportErrorTests {
    struct LibraryError: Error, CustomStringConvertible { var description: String }

    @Test("a failure is named by what it is, never by words of the host it names (a host may be called ssl.example.com); no type names, errno or paths")
    func words() {
        #expect(describeTransport(LibraryError(description: "connect(descriptor:addr:size:): Connection refused (errno: 111) for host ssl-relay.example.com error")) == "connection refused")
        #expect(describeTransport(LibraryError(description: "DNS error: UnknownHost for host smtp-ssl.example.com error")) == "the host name could not be resolved")
        #expect(describeTransport(HTTPClientError.connectTimeout) == "timed out")
        #expect(describeTransport(HTTPClientError.remoteConnectionClosed) == "connection closed")
        let other = describeTransport(LibraryError(description: "failed at /work/main/.build/checkouts/lib/Sources/x.c:12 reading ssl.example.com"))
        #expect(!other.contains("/.build/") && !other.contains("TLS"), "\(other)")
    }

    @Test("a Retry-After that is not a finite, non-negative number is no wait; a huge one is a day, never a conversion that traps")
    func retryAfter() {
        #expect(retryAfterWait(seconds: .nan) == nil && retryAfterWait(seconds: .infinity) == nil && retryAfterWait(seconds: -5) == nil)
        #expect(retryAfterWait(seconds: 1e300) == .seconds(86_400))
        #expect(retryAfterWait(seconds: 1.5) == .milliseconds(1500))
    }
}
