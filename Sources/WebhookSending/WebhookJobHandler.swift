import AsyncHTTPClient
import Foundation
import IntakeCore
import IntakeStore
import IntakeWorker
import Logging
import ServiceLifecycle

/// Delivers one event to one webhook (a `deliver_webhook` job): signs it as Standard Webhooks, posts it, and
/// retries on the webhook schedule until the receiver answers 2xx or the schedule runs out.
///
/// The body's `data` is the upload (or the case) as it stands when the delivery is made, as in the events stream;
/// `type` and `webhook-id` say which event it reports, and stay the same on every retry.
public struct WebhookJobHandler: JobHandler {
    public let kind = JobKind.deliverWebhook
    let storage: any IntakeStorage
    let client: HTTPClient
    let settings: WebhookSettings
    /// The event's `data` object, as JSON.
    let render: @Sendable (ApplicationEvent) async throws -> Data

    public init(
        storage: any IntakeStorage, client: HTTPClient, settings: WebhookSettings,
        render: @escaping @Sendable (ApplicationEvent) async throws -> Data
    ) {
        self.storage = storage
        self.client = client
        self.settings = settings
        self.render = render
    }

    /// The longest a receiver's answer is read: enough for an error page, never a stream.
    static let maximumAnswerBytes = 64 * 1024

    public func handle(_ claim: ClaimedJob, logger: Logger) async throws {
        guard let payload = claim.job.payload,
            let delivery = try? JSONDecoder().decode(WebhookDelivery.self, from: Data(payload.utf8))
        else { throw JobFailure("a webhook delivery without its payload", isRetriable: false) }
        var logger = logger
        logger[metadataKey: "intake.webhook.id"] = "\(delivery.webhook)"
        logger[metadataKey: "intake.event.id"] = "\(delivery.event)"
        guard let webhook = try await storage.webhook(id: delivery.webhook) else {
            // Deleted since the event: nobody is waiting for this delivery any more.
            logger.info("Webhook deleted; delivery dropped")
            try await storage.succeed(claim)
            return
        }
        if let refusal = WebhookRules.refusal(of: webhook.url, allowedHosts: settings.allowedHosts) {
            throw JobFailure("webhook \(webhook.id) is no longer allowed: \(refusal)", isRetriable: false)
        }
        guard let event = try await storage.event(id: delivery.event) else {
            throw JobFailure("event \(delivery.event) is not in the log", isRetriable: false)
        }
        let body = try await message(event)
        let timestamp = Int(Date().timeIntervalSince1970)
        guard
            let signature = WebhookSignature.sign(
                secret: webhook.secret, messageId: delivery.messageId, timestamp: timestamp, body: body)
        else { throw JobFailure("webhook \(webhook.id) has an unusable secret", isRetriable: false) }

        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Intake-Webhooks/1")
        request.headers.add(name: "webhook-id", value: delivery.messageId)
        request.headers.add(name: "webhook-timestamp", value: "\(timestamp)")
        request.headers.add(name: "webhook-signature", value: signature)
        request.body = .bytes(body)
        let status: UInt
        do {
            let response = try await client.execute(
                request, timeout: .milliseconds(Int64(settings.timeout.seconds * 1000)))
            status = response.status.code
            _ = try? await response.body.collect(upTo: Self.maximumAnswerBytes)
        } catch {
            throw retry(claim, because: "the receiver could not be reached (\(type(of: error)))")
        }
        guard (200..<300).contains(status) else {
            throw retry(claim, because: "the receiver answered \(status)")
        }
        logger.debug("Webhook delivered", metadata: ["intake.webhook.status": "\(status)"])
        try await storage.succeed(claim)
    }

    /// Standard Webhooks' envelope: `type`, `timestamp` (the event's, RFC 3339) and `data`.
    func message(_ event: ApplicationEvent) async throws -> [UInt8] {
        let data = try await render(event)
        let timestamp = Date(timeIntervalSince1970: event.at).formatted(.iso8601)
        let envelope =
            #"{"type":"\#(event.kind.rawValue)","timestamp":"\#(timestamp)","data":"#
            + String(decoding: data, as: UTF8.self) + "}"
        return Array(envelope.utf8)
    }

    /// A failed attempt, retried after the schedule's next delay, or dead once the schedule is used up.
    func retry(_ claim: ClaimedJob, because reason: String) -> JobFailure {
        guard let delay = WebhookRules.retryDelay(afterAttempt: claim.job.attempts, schedule: settings.retrySchedule)
        else { return JobFailure("\(reason); retry schedule used up", isRetriable: false) }
        return JobFailure(reason, isRetriable: true, retryAfter: delay)
    }
}

/// The HTTP client deliveries go through, as a service of the process's group: it starts before the worker and
/// shuts down after it, so no delivery in flight loses its connection pool.
public struct WebhookClient: Sendable {
    public let client: HTTPClient

    /// Redirects are not followed: a receiver on an allowed host must not send a delivery on to one that is not.
    public init(settings: WebhookSettings) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .seconds(Int64(max(1, settings.timeout.seconds))),
                read: .seconds(Int64(max(1, settings.timeout.seconds)))))
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

extension WebhookClient: Service {
    /// Waits for the group's shutdown, then closes the client's connections.
    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
