import IntakeCore

/// One residence application (申請), created by its first submission.
public struct ApplicationRecord: Codable, Sendable, Hashable {
    public var id: String
    /// The case number (受付番号): given with `--receipt`, or assigned. Opaque: the agency's format is unpublished.
    public var receipt: String
    /// The first uploader; owns the case.
    public var owner: String
    /// The case state (`under_review`, `awaiting_additional`, `closed`).
    public var status: CaseState
    /// How many times a reviewer has asked for more documents; each request opens a new allowance.
    public var round: Int
    public var createdAt: Double

    public init(id: String, receipt: String, owner: String, status: CaseState, round: Int, createdAt: Double) {
        self.id = id
        self.receipt = receipt
        self.owner = owner
        self.status = status
        self.round = round
        self.createdAt = createdAt
    }
}

/// Another uploader allowed to add documents to a case (an agent acting for the applicant).
public struct CaseGrantRecord: Codable, Sendable, Hashable {
    public var applicationId: String
    public var uploader: String
    public var grantedBy: String
    public var grantedAt: Double

    public init(applicationId: String, uploader: String, grantedBy: String, grantedAt: Double) {
        self.applicationId = applicationId
        self.uploader = uploader
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
    }
}

/// The audit trail of a case: who did what, when. Append-only.
public struct CaseEventRecord: Codable, Sendable, Hashable {
    public var id: Int64?
    /// Nil for an attempt on an unknown receipt.
    public var applicationId: String?
    /// `created`, `state`, `granted`, `linked`, `refused`.
    public var kind: String
    public var actor: String
    public var uploadId: String?
    public var detail: String
    public var at: Double

    public init(
        id: Int64? = nil, applicationId: String? = nil, kind: String, actor: String, uploadId: String? = nil,
        detail: String, at: Double
    ) {
        self.id = id
        self.applicationId = applicationId
        self.kind = kind
        self.actor = actor
        self.uploadId = uploadId
        self.detail = detail
        self.at = at
    }
}

/// One file received for an application. Stored once per (application, slot, SHA-256).
public struct UploadRecord: Codable, Sendable, Hashable {
    public var id: String
    /// Nil for an additional document refused for its case: kept for audit, never part of any case.
    public var applicationId: String?
    /// The receipt an additional document was sent for (kept also when it was refused).
    public var requestedReceipt: String?
    /// For additional documents: the request round of the case they answer.
    public var round: Int
    public var slot: Slot
    /// The name the uploader gave: shown back to them, never trusted for the type.
    public var fileName: String
    public var sha256: String
    public var bytes: Int64
    public var uploader: String
    /// `application|slot|sha256`: a resubmission of the same file is recognised, not stored twice.
    public var idempotencyKey: String
    /// Set when the upload holds several documents to split: how to find their boundaries.
    public var bundle: BundleInstructions?
    public var createdAt: Double

    public init(
        id: String, applicationId: String? = nil, requestedReceipt: String? = nil, round: Int, slot: Slot,
        fileName: String, sha256: String, bytes: Int64, uploader: String, idempotencyKey: String,
        bundle: BundleInstructions? = nil, createdAt: Double
    ) {
        self.id = id
        self.applicationId = applicationId
        self.requestedReceipt = requestedReceipt
        self.round = round
        self.slot = slot
        self.fileName = fileName
        self.sha256 = sha256
        self.bytes = bytes
        self.uploader = uploader
        self.idempotencyKey = idempotencyKey
        self.bundle = bundle
        self.createdAt = createdAt
    }
}

/// How a bundle upload is to be split: by the manifest given with it, or (nil) by what the PDF itself shows.
public struct BundleInstructions: Codable, Sendable, Hashable {
    public var manifest: SplitManifest?
    public init(manifest: SplitManifest?) { self.manifest = manifest }
}

/// One document produced from an upload: the upload itself, or one part of a split bundle.
public struct ItemRecord: Codable, Sendable, Hashable {
    /// Derived from the upload and the ordinal, so processing the same upload again yields the same items.
    public var id: String
    public var uploadId: String
    public var ordinal: Int
    public var title: String
    /// The document type a bundle's manifest gave (`employment_contract`), if any.
    public var documentType: String?
    public var firstPage: Int?
    public var lastPage: Int?
    public var sha256: String
    public var bytes: Int64

    public init(
        id: String, uploadId: String, ordinal: Int, title: String, documentType: String? = nil, firstPage: Int?,
        lastPage: Int?, sha256: String, bytes: Int64
    ) {
        self.id = id
        self.uploadId = uploadId
        self.ordinal = ordinal
        self.title = title
        self.documentType = documentType
        self.firstPage = firstPage
        self.lastPage = lastPage
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// One verdict on an item. Append-only: reprocessing adds a row, never edits one.
public struct VerdictRecord: Codable, Sendable, Hashable {
    public var id: Int64?
    public var itemId: String
    public var verdict: Verdict
    public var policyVersion: String
    public var findings: [Finding]
    public var facts: FileFacts
    public var jobId: String?
    /// How long inspection took, when this verdict came from one: the trials' processing-cost measure.
    public var durationMs: Double?
    public var createdAt: Double

    public init(
        id: Int64? = nil, itemId: String, verdict: Verdict, policyVersion: String, findings: [Finding],
        facts: FileFacts, jobId: String? = nil, durationMs: Double? = nil, createdAt: Double
    ) {
        self.id = id
        self.itemId = itemId
        self.verdict = verdict
        self.policyVersion = policyVersion
        self.findings = findings
        self.facts = facts
        self.jobId = jobId
        self.durationMs = durationMs
        self.createdAt = createdAt
    }
}

/// The state of a queued job.
public enum JobState: String, Codable, Sendable, Hashable, CaseIterable {
    case queued, running, succeeded, retrying, dead
}

/// A unit of work in the queue. Its lease says which worker holds it and until when.
public struct JobRecord: Codable, Sendable, Hashable {
    public var id: String
    public var kind: JobKind
    /// What the job needs beyond its upload and application, as JSON (nil for today's kinds): a webhook delivery's
    /// event, an archive's options.
    public var payload: String?
    /// The upload a `process_upload` job is about.
    public var uploadId: String?
    /// The application a job belongs to.
    public var applicationId: String?
    public var state: JobState
    /// Higher runs first: live uploads before reprocessing.
    public var priority: Int
    public var attempts: Int
    public var maxAttempts: Int
    /// Not claimable before this time (backoff).
    public var runAfter: Double
    public var leaseOwner: String?
    /// Changes on every claim: a worker whose lease expired cannot complete the job another worker holds.
    public var leaseToken: String?
    public var leaseExpiresAt: Double?
    public var lastError: String?
    public var createdAt: Double
    public var updatedAt: Double

    public init(
        id: String, kind: JobKind, payload: String? = nil, uploadId: String? = nil, applicationId: String? = nil,
        state: JobState, priority: Int, attempts: Int, maxAttempts: Int, runAfter: Double, leaseOwner: String? = nil,
        leaseToken: String? = nil, leaseExpiresAt: Double? = nil, lastError: String? = nil, createdAt: Double,
        updatedAt: Double
    ) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.uploadId = uploadId
        self.applicationId = applicationId
        self.state = state
        self.priority = priority
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.leaseOwner = leaseOwner
        self.leaseToken = leaseToken
        self.leaseExpiresAt = leaseExpiresAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
