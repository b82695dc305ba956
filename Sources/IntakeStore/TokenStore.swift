import IntakeCore

/// An API token as the store keeps it: only the SHA-256 of its secret, never the secret itself.
public struct TokenRecord: Codable, Sendable, Hashable {
    public var id: String
    /// Lowercase hex SHA-256 of the bearer secret.
    public var secretHash: String
    public var uploader: String
    public var scope: TokenScope
    public var createdAt: Double
    public var expiresAt: Double?
    public var revokedAt: Double?

    public init(
        id: String, secretHash: String, uploader: String, scope: TokenScope, createdAt: Double, expiresAt: Double?,
        revokedAt: Double? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.uploader = uploader
        self.scope = scope
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// API tokens. Time (creation, expiry) is the store's.
public protocol TokenStore: Sendable {
    /// Records a token whose secret hashes to `secretHash`, valid for `lifetime` from now (nil: until revoked).
    func createToken(secretHash: String, uploader: String, scope: TokenScope, lifetime: Duration?) async throws
        -> TokenRecord
    /// The token with this secret hash if it is neither revoked nor expired by the store's clock. Read-only.
    func validToken(secretHash: String) async throws -> TokenRecord?
    /// Every token, newest first, revoked and expired ones included (for `token list`). Read-only.
    func tokens() async throws -> [TokenRecord]
    /// Revokes the token; false when there is none with that id. Revoking twice keeps the first time.
    func revokeToken(id: String) async throws -> Bool
}
