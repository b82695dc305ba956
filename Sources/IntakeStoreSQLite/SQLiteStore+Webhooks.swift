import GRDB
import IntakeCore
import IntakeStore

extension SQLiteStore {
    public func createWebhook(url: String, events: [EventKind], secret: String) async throws -> WebhookRecord {
        try await write { [clock] db in
            let webhook = WebhookRecord(
                id: Identifier.make("W"), url: url, events: events, secret: secret, createdAt: clock())
            try webhook.insert(db)
            return webhook
        }
    }

    public func webhooks() async throws -> [WebhookRecord] {
        try await read { db in try WebhookRecord.order(Column("created_at").desc, Column("id")).fetchAll(db) }
    }

    public func webhook(id: String) async throws -> WebhookRecord? {
        try await read { db in try WebhookRecord.fetchOne(db, key: id) }
    }

    public func deleteWebhook(id: String) async throws -> Bool {
        try await write { db in try WebhookRecord.deleteOne(db, key: id) }
    }

    public func event(id: Int64) async throws -> ApplicationEvent? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [id]).flatMap(Self.event)
        }
    }

    /// An `events` row as the record, or nil for a kind this build does not know.
    static func event(_ row: Row) -> ApplicationEvent? {
        EventKind(rawValue: row["kind"]).map {
            ApplicationEvent(
                id: row["id"], applicationId: row["application_id"], kind: $0, uploadId: row["upload_id"],
                at: row["at"])
        }
    }
}
