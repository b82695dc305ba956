import IntakeCore
import IntakeStore
import PostgresNIO

extension PostgresStore {
    public func createWebhook(url: String, events: [EventKind], secret: String) async throws -> WebhookRecord {
        try await write { tx in
            let webhook = WebhookRecord(
                id: Identifier.make("W"), url: url, events: events, secret: secret, createdAt: tx.now)
            try await tx.execute(
                """
                INSERT INTO webhooks (id, url, events, secret, created_at)
                VALUES (\(webhook.id), \(webhook.url), \(try JSON.encode(webhook.events)), \(webhook.secret),
                    \(webhook.createdAt))
                """)
            return webhook
        }
    }

    public func webhooks() async throws -> [WebhookRecord] {
        try await rows("SELECT * FROM webhooks ORDER BY created_at DESC, id").map(WebhookRecord.init(row:))
    }

    public func webhook(id: String) async throws -> WebhookRecord? {
        try await rows("SELECT * FROM webhooks WHERE id = \(id)").first.map(WebhookRecord.init(row:))
    }

    public func deleteWebhook(id: String) async throws -> Bool {
        try await write { tx in try await tx.execute("DELETE FROM webhooks WHERE id = \(id) RETURNING 1") == 1 }
    }

    public func event(id: Int64) async throws -> ApplicationEvent? {
        try await rows("SELECT * FROM events WHERE id = \(id)").first.flatMap(ApplicationEvent.init(row:))
    }
}

extension WebhookRecord {
    init(row: PostgresRandomAccessRow) throws {
        self.init(
            id: try row.value("id"), url: try row.value("url"), events: try row.json("events"),
            secret: try row.value("secret"), createdAt: try row.value("created_at"))
    }
}

extension ApplicationEvent {
    /// The event in `row`, or nil for a kind this build does not know.
    init?(row: PostgresRandomAccessRow) throws {
        guard let kind = EventKind(rawValue: try row.value("kind")) else { return nil }
        self.init(
            id: try row.value("id"), applicationId: try row.value("application_id"), kind: kind,
            uploadId: try row.value("upload_id"), at: try row.value("at"))
    }
}
