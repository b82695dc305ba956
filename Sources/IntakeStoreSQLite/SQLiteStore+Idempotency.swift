import Foundation
import GRDB
import IntakeStore

extension SQLiteStore {
    public func storedResponse(uploader: String, key: String, lifetime: Duration) async throws -> StoredResponse? {
        try await read { [clock] db in
            let now = clock()
            guard
                let text = try String.fetchOne(
                    db, sql: "SELECT response FROM idempotency_keys WHERE uploader = ? AND key = ? AND created_at > ?",
                    arguments: [uploader, key, now - lifetime.seconds])
            else { return nil }
            return try JSONDecoder().decode(StoredResponse.self, from: Data(text.utf8))
        }
    }

    public func keepResponse(_ response: StoredResponse, uploader: String, key: String, lifetime: Duration)
        async throws -> StoredResponse
    {
        let text = String(decoding: try JSONEncoder().encode(response), as: UTF8.self)
        return try await write { [clock] db in
            let now = clock()
            // An expired key is free again; a live one keeps its first answer.
            try db.execute(
                sql: "DELETE FROM idempotency_keys WHERE uploader = ? AND key = ? AND created_at <= ?",
                arguments: [uploader, key, now - lifetime.seconds])
            try db.execute(
                sql: "INSERT OR IGNORE INTO idempotency_keys (uploader, key, response, created_at) VALUES (?, ?, ?, ?)",
                arguments: [uploader, key, text, now])
            let kept =
                try String.fetchOne(
                    db, sql: "SELECT response FROM idempotency_keys WHERE uploader = ? AND key = ?",
                    arguments: [uploader, key]) ?? text
            return try JSONDecoder().decode(StoredResponse.self, from: Data(kept.utf8))
        }
    }
}
