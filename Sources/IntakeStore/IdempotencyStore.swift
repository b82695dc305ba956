/// A response kept under the client's `Idempotency-Key`, so that a retried request gets the first answer.
public struct StoredResponse: Codable, Sendable, Hashable {
    /// What identifies the request apart from its key: a retry must say the same, or it is another request.
    public var fingerprint: String
    public var status: Int
    public var body: String
    public var location: String?

    public init(fingerprint: String, status: Int, body: String, location: String?) {
        self.fingerprint = fingerprint
        self.status = status
        self.body = body
        self.location = location
    }
}

/// Responses by `(uploader, Idempotency-Key)`, kept for a day by the store's clock.
public protocol IdempotencyStore: Sendable {
    /// The response kept for this key, if it is younger than `lifetime`. Read-only.
    func storedResponse(uploader: String, key: String, lifetime: Duration) async throws -> StoredResponse?
    /// Keeps the response unless one is kept for the key already (the first answer wins); returns the one kept.
    func keepResponse(_ response: StoredResponse, uploader: String, key: String, lifetime: Duration) async throws
        -> StoredResponse
}
