import SSPMCore

/// An access token fetched one request at a time and shared: concurrent callers wait for the one
/// fetch under way, the token is kept until `isFresh` says otherwise, and a token the vendor just
/// refused is fetched anew (once, however many callers saw the refusal). Each vendor's token
/// provider keeps one and brings its own fetch.
public actor TokenCache<Token: Sendable> {
    private let secret: @Sendable (Token) -> Secret
    private let isFresh: @Sendable (Token) -> Bool
    private var current: Token?
    private var inFlight: Task<Token, any Error>?

    /// `secret`: the token's value (to tell a refused token from its replacement); `isFresh`:
    /// whether it may still be used (its expiry less a margin, on the caller's clock).
    public init(secret: @escaping @Sendable (Token) -> Secret, isFresh: @escaping @Sendable (Token) -> Bool) {
        self.secret = secret
        self.isFresh = isFresh
    }

    /// A usable token. `rejected` is the value the vendor just refused: if it is still the cached
    /// one, a new one is fetched; if another caller already replaced it, the replacement is returned.
    public func token(rejected: Secret? = nil, fetch: @escaping @Sendable () async throws -> Token) async throws -> Token {
        while true {
            if let current, isFresh(current), rejected == nil || rejected != secret(current) { return current }
            guard let inFlight else { break }
            let token = try await inFlight.value
            // A fetch that was under way before the rejection can bring back the very token just
            // refused (issued, then revoked): look again (a new fetch) rather than hand it out twice.
            guard let rejected, secret(token) == rejected else { return token }
        }
        // The fetch stores its token (or forgets the old one) before its value is seen: no caller
        // can join a finished fetch whose token is not yet the cached one.
        let task = Task {
            do {
                let token = try await fetch()
                self.finish(token)
                return token
            } catch {
                self.finish(nil)
                throw error
            }
        }
        inFlight = task
        return try await task.value
    }

    private func finish(_ token: Token?) {
        current = token
        inFlight = nil
    }

    /// Forgets the cached token (the next caller fetches one).
    public func invalidate() { current = nil }
}
