import GRDB
import IntakeCore
import IntakeStore

extension SQLiteStore {
    public func createToken(secretHash: String, uploader: String, scope: TokenScope, lifetime: Duration?)
        async throws -> TokenRecord
    {
        try await write { [clock] db in
            let now = clock()
            let token = TokenRecord(
                id: Identifier.make("T"), secretHash: secretHash, uploader: uploader, scope: scope, createdAt: now,
                expiresAt: lifetime.map { now + $0.seconds })
            try token.insert(db)
            return token
        }
    }

    public func validToken(secretHash: String) async throws -> TokenRecord? {
        try await read { [clock] db in
            let now = clock()
            return try TokenRecord.fetchOne(
                db,
                sql: """
                    SELECT * FROM tokens WHERE secret_hash = ? AND revoked_at IS NULL
                      AND (expires_at IS NULL OR expires_at > ?)
                    """, arguments: [secretHash, now])
        }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await read { db in try TokenRecord.order(Column("created_at").desc, Column("id")).fetchAll(db) }
    }

    public func revokeToken(id: String) async throws -> Bool {
        try await write { [clock] db in
            let now = clock()
            guard try TokenRecord.fetchOne(db, key: id) != nil else { return false }
            try db.execute(
                sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
            return true
        }
    }
}
