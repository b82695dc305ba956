import IntakeCore

/// A webhook subscription: where deliveries go, for which events, and the key they are signed with.
///
/// Unlike a token, the signing secret is kept as it is: every delivery is signed with it (Standard Webhooks'
/// HMAC-SHA256), so a hash would be useless. It is shown once, when the webhook is created, and never listed.
public struct WebhookRecord: Codable, Sendable, Hashable {
    public var id: String
    public var url: String
    public var events: [EventKind]
    /// `whsec_` and the base64 of the key's bytes, as Standard Webhooks writes it.
    public var secret: String
    public var createdAt: Double

    public init(id: String, url: String, events: [EventKind], secret: String, createdAt: Double) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
    }
}

/// What a `deliver_webhook` job carries in its payload: one event for one webhook. The pair is the delivery's
/// identity (`webhook-id`), the same on every retry, so a receiver can drop repeats.
public struct WebhookDelivery: Codable, Sendable, Hashable {
    public var webhook: String
    public var event: Int64

    public init(webhook: String, event: Int64) {
        self.webhook = webhook
        self.event = event
    }

    /// Standard Webhooks' message id.
    public var messageId: String { "msg_\(webhook)_\(event)" }
}

/// Webhook subscriptions. Each store also enqueues the deliveries: when it appends an event, it adds one
/// `deliver_webhook` job per webhook subscribed to that event's kind, in the same transaction, so no event is
/// ever lost between the change and its delivery.
public protocol WebhookStore: Sendable {
    /// Records a webhook with an id and time of the store's.
    func createWebhook(url: String, events: [EventKind], secret: String) async throws -> WebhookRecord
    /// Every webhook, newest first. Read-only.
    func webhooks() async throws -> [WebhookRecord]
    func webhook(id: String) async throws -> WebhookRecord?
    /// Deletes the webhook; its deliveries still queued find it gone and end without sending. False when there is
    /// none with that id.
    func deleteWebhook(id: String) async throws -> Bool
    /// One event of the log, for a delivery. Read-only.
    func event(id: Int64) async throws -> ApplicationEvent?
}
