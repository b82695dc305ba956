import ContentAddressing
import IntakeCore
import IntakeStore

/// A new API token: its secret, shown once, and what the store keeps of it.
public struct IssuedToken: Encodable, Sendable {
    public var id: String
    /// The bearer secret. Only its SHA-256 is stored; it cannot be shown again.
    public var token: String
    public var uploader: String
    public var scope: TokenScope
    @NullEncodable public var expiresAt: String?
}

/// A token as `token list` shows it: never its secret.
public struct TokenSummary: Encodable, Sendable {
    public var id: String
    public var uploader: String
    public var scope: TokenScope
    public var createdAt: String
    @NullEncodable public var expiresAt: String?
    @NullEncodable public var revokedAt: String?

    public init(_ record: TokenRecord) {
        id = record.id
        uploader = record.uploader
        scope = record.scope
        createdAt = Timestamps.iso8601(record.createdAt)
        expiresAt = record.expiresAt.map(Timestamps.iso8601)
        revokedAt = record.revokedAt.map(Timestamps.iso8601)
    }
}

extension IntakeService {
    // MARK: Tokens

    /// Issues a bearer token for `uploader`: 256 random bits, of which the store keeps only the SHA-256.
    public func createToken(uploader: String, scope: TokenScope, lifetime: Duration?) async throws(IntakeError)
        -> IssuedToken
    {
        var generator = SystemRandomNumberGenerator()
        let secret = "itk_" + (0..<52).map { _ in Identifier.character(using: &generator) }.joined()
        let record = try await storing {
            try await storage.createToken(
                secretHash: Self.hash(secret), uploader: uploader, scope: scope, lifetime: lifetime)
        }
        return IssuedToken(
            id: record.id, token: secret, uploader: uploader, scope: scope,
            expiresAt: record.expiresAt.map(Timestamps.iso8601))
    }

    public func tokens() async throws(IntakeError) -> [TokenSummary] {
        try await storing { try await storage.tokens() }.map(TokenSummary.init)
    }

    public func revokeToken(id: String) async throws(IntakeError) {
        guard try await storing({ try await storage.revokeToken(id: id) }) else {
            throw IntakeError(.notFound, "no token \(id)")
        }
    }

    /// The caller a bearer secret stands for; nil for an unknown, revoked or expired one.
    public func authenticate(bearer secret: String) async throws(IntakeError) -> Caller? {
        guard secret.hasPrefix("itk_"), secret.count < 200 else { return nil }
        let hash = Self.hash(secret)
        return try await storing { try await storage.validToken(secretHash: hash) }
            .map { Caller.token(uploader: $0.uploader, scope: $0.scope) }
    }

    private static func hash(_ secret: String) -> String {
        Array(secret.utf8).withUnsafeBytes { Digest.sha256Hex($0) }
    }

    // MARK: Events

    /// One event with what it is about as it stands now: the upload, or the case for a case event.
    public struct Event: Sendable {
        public var event: ApplicationEvent
        public var upload: UploadStatus?
        public var application: ApplicationStatus?
    }

    /// The application's events after `id`, if `caller` may see it.
    public func events(application: String, after id: Int64, for caller: Caller) async throws(IntakeError)
        -> [Event]
    {
        let status = try await applicationStatus(application, for: caller)
        let events = try await storing { try await storage.events(applicationId: application, after: id, limit: 100) }
        var result: [Event] = []
        for event in events {
            if let upload = event.uploadId {
                result.append(Event(event: event, upload: try await uploadStatus(upload), application: nil))
            } else {
                result.append(Event(event: event, upload: nil, application: status))
            }
        }
        return result
    }

    // MARK: Idempotency keys

    /// How long a response stays kept under its `Idempotency-Key`.
    public static let idempotencyLifetime: Duration = .seconds(24 * 3600)

    /// The response kept for `key`, if this request is its retry; a different request under the same key is
    /// refused (`idempotency.key_reused`), so a key can never return another request's answer.
    public func storedResponse(uploader: String, key: String, fingerprint: String) async throws(IntakeError)
        -> StoredResponse?
    {
        let stored = try await storing {
            try await storage.storedResponse(uploader: uploader, key: key, lifetime: Self.idempotencyLifetime)
        }
        if let stored, stored.fingerprint != fingerprint {
            throw IntakeError(.idempotencyKeyReused, "the Idempotency-Key was used for another request")
        }
        return stored
    }

    /// Keeps a response under `key`; returns the one kept (an earlier one, if a twin request got there first).
    public func keepResponse(_ response: StoredResponse, uploader: String, key: String) async throws(IntakeError)
        -> StoredResponse
    {
        try await storing {
            try await storage.keepResponse(response, uploader: uploader, key: key, lifetime: Self.idempotencyLifetime)
        }
    }

    // MARK: What a caller may see

    /// An application, if `caller` may see it; one it may not see is reported as not found.
    public func applicationStatus(_ id: String, for caller: Caller) async throws(IntakeError) -> ApplicationStatus {
        let status = try await applicationStatus(id)
        guard try await caller.maySee(snapshot(of: status.application)) else {
            throw IntakeError(.notFound, "no application \(id)")
        }
        return status
    }

    /// An upload, if `caller` may see its application (or sent it, for a document refused for its case).
    public func uploadStatus(_ id: String, for caller: Caller) async throws(IntakeError) -> UploadStatus {
        let status = try await uploadStatus(id)
        let visible: Bool
        if case .token(let uploader, _) = caller, status.upload.uploader == uploader {
            visible = true
        } else if let application = status.upload.applicationId {
            visible = try await caller.maySee(snapshot(of: try await applicationStatus(application).application))
        } else {
            visible = caller.has(.review)
        }
        guard visible else { throw IntakeError(.notFound, "no upload \(id)") }
        return status
    }

    /// A case, if `caller` may see it.
    public func caseView(receipt: String, for caller: Caller) async throws(IntakeError) -> CaseView {
        let view = try await caseView(receipt: receipt)
        guard caller.maySee(Self.snapshot(of: view)) else {
            throw IntakeError(.notFound, "no case with receipt \(receipt)")
        }
        return view
    }

    /// Grants on behalf of `caller`: only the case's owner (or an admin, or the operator) may grant.
    public func grant(receipt: String, uploader: String, by caller: Caller) async throws(IntakeError) -> Bool {
        let view = try await caseView(receipt: receipt, for: caller)
        if let refusal = CaseRules.refusesGrant(receipt: receipt, by: caller, snapshot: Self.snapshot(of: view)) {
            throw IntakeError.refused(refusal)
        }
        let already = view.grants.contains { $0.uploader == uploader }
        try await grant(receipt: receipt, uploader: uploader, actor: caller.actorName)
        return !already
    }

    /// Whether an upload that declares `bytes` can be taken for `slot` of `application` now: the finding that
    /// refuses it at the door (over the per-file limit, or over the accepted bytes' remaining allowance), or nil.
    public func admission(application: String, slot: Slot, declaredBytes bytes: Int64) async throws(IntakeError)
        -> Finding?
    {
        let usage =
            try await storing { try await storage.status(applicationId: application) }?.usage
            ?? ApplicationUsage(acceptedOriginalBytes: 0, acceptedAttachments: 0, acceptedAdditionalBytesThisRound: 0)
        return AdmissionRules(policy: policy).refusal(declaredBytes: bytes, slot: slot, usage: usage)
    }

    /// As `admission(application:…)`, for an additional document to the case with `receipt`.
    public func admission(receipt: String, declaredBytes bytes: Int64) async throws(IntakeError) -> Finding? {
        guard let view = try await storing({ try await storage.caseView(receipt: receipt) }) else { return nil }
        return AdmissionRules(policy: policy).refusal(declaredBytes: bytes, slot: .additional, usage: view.status.usage)
    }

    private func snapshot(of application: ApplicationRecord) async throws(IntakeError) -> CaseSnapshot {
        Self.snapshot(of: try await caseView(receipt: application.receipt))
    }

    private static func snapshot(of view: CaseView) -> CaseSnapshot {
        CaseSnapshot(
            owner: view.status.application.owner, grantees: Set(view.grants.map(\.uploader)),
            state: view.status.application.status, receipt: view.status.application.receipt)
    }
}

extension Caller {
    /// The name recorded in a case's history for what this caller did.
    public var actorName: String {
        switch self {
        case .operator: "admin"
        case .token(let uploader, _): uploader
        }
    }
}
