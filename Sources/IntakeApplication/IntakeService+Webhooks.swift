import Foundation
import IntakeCore
import IntakeStore
import WebhookSending

/// A webhook as `GET /v1/webhooks` lists it: never its secret.
public struct WebhookSummary: Encodable, Sendable {
    public var id: String
    public var url: String
    public var events: [EventKind]
    public var createdAt: String

    public init(_ record: WebhookRecord) {
        id = record.id
        url = record.url
        events = record.events
        createdAt = Timestamps.iso8601(record.createdAt)
    }
}

/// A webhook just created, with the signing secret it is shown with this once.
public struct IssuedWebhook: Encodable, Sendable {
    public var id: String
    public var url: String
    public var events: [EventKind]
    public var createdAt: String
    public var secret: String
}

extension IntakeService {
    // MARK: Webhooks

    /// Subscribes `url` to `events` (every kind when nil). The URL must be `http`/`https` on a host that
    /// `webhooks.allowed_hosts` names; the secret comes back this once.
    public func createWebhook(url: String, events: [String]?) async throws(IntakeError) -> IssuedWebhook {
        if let refusal = WebhookRules.refusal(of: url, allowedHosts: settings.webhooks.allowedHosts) {
            throw IntakeError(.webhookURLNotAllowed, refusal)
        }
        var kinds: [EventKind] = []
        for name in events ?? EventKind.allCases.map(\.rawValue) {
            guard let kind = EventKind(rawValue: name) else {
                let known = EventKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw IntakeError(.invalidRequest, "unknown event \(name); events are \(known)")
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        guard !kinds.isEmpty else { throw IntakeError(.invalidRequest, "events: name at least one event") }
        let secret = WebhookSignature.makeSecret()
        let record = try await storing { try await storage.createWebhook(url: url, events: kinds, secret: secret) }
        return IssuedWebhook(
            id: record.id, url: record.url, events: record.events, createdAt: Timestamps.iso8601(record.createdAt),
            secret: secret)
    }

    public func webhooks() async throws(IntakeError) -> [WebhookSummary] {
        try await storing { try await storage.webhooks() }.map(WebhookSummary.init)
    }

    public func deleteWebhook(id: String) async throws(IntakeError) {
        guard try await storing({ try await storage.deleteWebhook(id: id) }) else {
            throw IntakeError(.notFound, "no webhook \(id)")
        }
    }

    /// A delivery's `data`: the application, and the upload (or the case) the event is about as it stands now.
    func webhookData(_ event: ApplicationEvent) async throws(IntakeError) -> Data {
        struct UploadData: Encodable {
            var application: String
            var upload: UploadResource
        }
        struct CaseData: Encodable {
            var application: String
            var `case`: ApplicationReport
        }
        do {
            if let upload = event.uploadId {
                let status = try await uploadStatus(upload)
                return try IntakeJSON.encode(
                    UploadData(application: event.applicationId, upload: UploadResource(status)), pretty: false)
            }
            let status = try await applicationStatus(event.applicationId)
            return try IntakeJSON.encode(
                CaseData(application: event.applicationId, case: ApplicationReport(status, policy: settings.policy)),
                pretty: false)
        } catch let error as IntakeError {
            throw error
        } catch {
            throw IntakeError(.storage, "could not render event \(event.id): \(error)")
        }
    }
}
