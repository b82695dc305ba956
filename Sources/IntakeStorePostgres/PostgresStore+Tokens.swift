import Foundation
import IntakeCore
import IntakeStore
import PostgresNIO

extension PostgresStore {
    public func createToken(secretHash: String, uploader: String, scope: TokenScope, lifetime: Duration?)
        async throws -> TokenRecord
    {
        try await write { tx in
            let token = TokenRecord(
                id: Identifier.make("T"), secretHash: secretHash, uploader: uploader, scope: scope, createdAt: tx.now,
                expiresAt: lifetime.map { tx.now + $0.seconds })
            try await tx.execute(
                """
                INSERT INTO tokens (id, secret_hash, uploader, scope, created_at, expires_at)
                VALUES (\(token.id), \(token.secretHash), \(token.uploader), \(token.scope.rawValue),
                    \(token.createdAt), \(token.expiresAt))
                """)
            return token
        }
    }

    public func validToken(secretHash: String) async throws -> TokenRecord? {
        try await rows(
            """
            SELECT * FROM tokens WHERE secret_hash = \(secretHash) AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > intake_now(\(injectedNow)))
            """
        ).first.map(TokenRecord.init(row:))
    }

    public func tokens() async throws -> [TokenRecord] {
        try await rows("SELECT * FROM tokens ORDER BY created_at DESC, id").map(TokenRecord.init(row:))
    }

    public func revokeToken(id: String) async throws -> Bool {
        try await write { tx in
            guard try await tx.row("SELECT 1 FROM tokens WHERE id = \(id) FOR UPDATE") != nil else { return false }
            try await tx.execute("UPDATE tokens SET revoked_at = \(tx.now) WHERE id = \(id) AND revoked_at IS NULL")
            return true
        }
    }

    // MARK: Idempotency keys

    public func storedResponse(uploader: String, key: String, lifetime: Duration) async throws -> StoredResponse? {
        try await rows(
            """
            SELECT response FROM idempotency_keys
            WHERE uploader = \(uploader) AND key = \(key) AND created_at > intake_now(\(injectedNow)) - \(lifetime.seconds)
            """
        ).first.map { try JSON.decode(StoredResponse.self, try $0.value("response")) }
    }

    public func keepResponse(_ response: StoredResponse, uploader: String, key: String, lifetime: Duration)
        async throws -> StoredResponse
    {
        let text = try JSON.encode(response)
        return try await write { tx in
            // An expired key is free again; a live one keeps its first answer (a racing insert waits for the
            // other's commit, then inserts nothing and reads the other's answer).
            try await tx.execute(
                """
                DELETE FROM idempotency_keys
                WHERE uploader = \(uploader) AND key = \(key) AND created_at <= \(tx.now - lifetime.seconds)
                """)
            try await tx.execute(
                """
                INSERT INTO idempotency_keys (uploader, key, response, created_at)
                VALUES (\(uploader), \(key), \(text), \(tx.now)) ON CONFLICT DO NOTHING
                """)
            let kept = try await tx.row(
                "SELECT response FROM idempotency_keys WHERE uploader = \(uploader) AND key = \(key)")
            return try JSON.decode(StoredResponse.self, try kept?.value("response") ?? text)
        }
    }

    // MARK: Events

    public func events(applicationId: String, after id: Int64, limit: Int) async throws -> [ApplicationEvent] {
        try await rows(
            """
            SELECT * FROM events WHERE application_id = \(applicationId) AND id > \(id) ORDER BY id LIMIT \(limit)
            """
        ).compactMap(ApplicationEvent.init(row:))
    }
}
