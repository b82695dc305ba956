/// What happened to an application, in the order it happened: the source of the events stream (and, later, of
/// webhook deliveries). Each store appends these in the same transaction as the change they report.
public struct ApplicationEvent: Codable, Sendable, Hashable {
    /// Increases with every event, across applications: a client resumes after the last one it saw.
    public var id: Int64
    public var applicationId: String
    public var kind: EventKind
    /// The upload the event is about, or nil for a case's own event.
    public var uploadId: String?
    public var at: Double

    public init(id: Int64, applicationId: String, kind: EventKind, uploadId: String?, at: Double) {
        self.id = id
        self.applicationId = applicationId
        self.kind = kind
        self.uploadId = uploadId
        self.at = at
    }
}

/// The events SPEC §7 names.
public enum EventKind: String, Codable, Sendable, Hashable, CaseIterable {
    case uploadReceived = "upload.received"
    case uploadAccepted = "upload.accepted"
    case uploadRejected = "upload.rejected"
    case uploadFailed = "upload.failed"
    case caseStateChanged = "case.state_changed"
}

public protocol EventStore: Sendable {
    /// The application's events after `id`, oldest first, at most `limit`. Read-only.
    func events(applicationId: String, after id: Int64, limit: Int) async throws -> [ApplicationEvent]
}
