import IntakeCore

/// A new upload to record: its blob is already durable in the blob store.
public struct NewUpload: Sendable, Hashable {
    public var applicationId: String
    public var uploader: String
    /// A case number for a new application; ignored when the application exists.
    public var receipt: String?
    public var slot: Slot
    public var fileName: String
    public var sha256: String
    public var bytes: Int64
    /// Set for a bundle: several documents in one PDF, to be split.
    public var bundle: BundleInstructions?

    public init(
        applicationId: String, uploader: String, receipt: String?, slot: Slot, fileName: String, sha256: String,
        bytes: Int64, bundle: BundleInstructions? = nil
    ) {
        self.bundle = bundle
        self.applicationId = applicationId
        self.uploader = uploader
        self.receipt = receipt
        self.slot = slot
        self.fileName = fileName
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// What recording an upload did.
public struct SubmitResult: Sendable, Hashable {
    public var upload: UploadRecord
    public var job: JobRecord
    public var receipt: String
    /// True when the same file was already recorded for this application and slot: nothing new was stored.
    public var duplicate: Bool
}

/// A job a worker holds, with the upload it is about (for `process_upload` jobs).
public struct ClaimedJob: Sendable, Hashable {
    public var job: JobRecord
    public var upload: UploadRecord?
    public var leaseToken: String { job.leaseToken ?? "" }
}

/// The kinds of job.
public enum JobKind {
    /// Inspect one upload and record its verdict.
    public static let processUpload = "process_upload"
    /// Judge an application's items again from their stored facts under the current policy.
    public static let reprocessApplication = "reprocess_application"
}

/// Claim order: live uploads before reprocessing, so an admin's long run never delays an applicant.
public enum JobPriority {
    public static let live = 100
    public static let reprocess = 10
}

/// One item's result, ready to record.
public struct ItemResult: Sendable, Hashable {
    public var item: ItemRecord
    public var verdict: Verdict
    public var findings: [Finding]
    public var facts: FileFacts
    public var policyVersion: String
    /// Inspection time, when the result comes from one.
    public var durationMs: Double?

    public init(
        item: ItemRecord, verdict: Verdict, findings: [Finding], facts: FileFacts, policyVersion: String,
        durationMs: Double? = nil
    ) {
        self.item = item
        self.verdict = verdict
        self.findings = findings
        self.facts = facts
        self.policyVersion = policyVersion
        self.durationMs = durationMs
    }
}

/// The durable queue of jobs. Implemented on SQLite here; a PostgreSQL implementation can take its place
/// (claims with `FOR UPDATE SKIP LOCKED`) without the worker changing.
public protocol JobQueue: Sendable {
    /// Takes the most urgent claimable job — queued, due for retry, or running with an expired lease — and
    /// leases it to `worker` until `now + lease`. A job whose lease expired `maxAttempts` times goes `dead`.
    func claim(worker: String, lease: Duration, now: Double) async throws -> ClaimedJob?
    /// Extends the lease; false when the job is no longer this worker's.
    func renew(_ claim: ClaimedJob, lease: Duration, now: Double) async throws -> Bool
    /// Records the results and marks the job succeeded, in one transaction, only while the lease is still held.
    /// `decide` sees the application's usage as of that transaction.
    func complete(
        _ claim: ClaimedJob, now: Double, decide: @escaping @Sendable (ApplicationUsage) -> [ItemResult]
    ) async throws
    /// Records a failed attempt: back to `retrying` at `retryAt`, or `dead` when attempts are used up or
    /// `retryAt` is nil (not retriable).
    func fail(_ claim: ClaimedJob, error: String, retryAt: Double?, now: Double) async throws
    /// Jobs that are not finished (queued, retrying or running), and the earliest time one becomes due.
    func unfinishedJobs(now: Double) async throws -> (count: Int, nextDue: Double?)
}

/// Applications, uploads, items and verdicts.
public protocol UploadStore: Sendable {
    /// Records an upload and enqueues its job in one transaction, creating the application if needed.
    func submit(_ upload: NewUpload, now: Double, maxAttempts: Int) async throws -> SubmitResult
    func application(id: String) async throws -> ApplicationRecord?
    func status(applicationId: String) async throws -> ApplicationStatus?
    func status(uploadId: String) async throws -> UploadStatus?
    func job(id: String) async throws -> JobRecord?
    /// Application ids, newest first.
    func applicationIds() async throws -> [String]
    /// Every application's original uploads (photo and attachments) as sizes, counts, pages and date, for trials.
    func trialApplications() async throws -> [TrialApplication]
    /// (bytes, pages, seconds) of recorded inspections, for the trials' processing-cost model.
    func processingSamples(limit: Int) async throws -> [(bytes: Int64, pages: Int, seconds: Double)]
}

/// The storage a worker and the command line need.
public typealias IntakeStorage = JobQueue & UploadStore & CaseStore & ReprocessStore

/// An application with everything `status` shows.
public struct ApplicationStatus: Sendable, Hashable {
    public var application: ApplicationRecord
    /// The photo and attachments sent with the application, in order.
    public var uploads: [UploadStatus]
    /// Additional documents linked to the case, in order.
    public var additional: [UploadStatus]
    /// What is accepted so far; additional bytes are those of the current request round.
    public var usage: ApplicationUsage
    public var acceptedBytes: Int64 { usage.acceptedOriginalBytes }
}

/// An upload, its job, and its items with their latest verdicts.
public struct UploadStatus: Sendable, Hashable {
    public var upload: UploadRecord
    public var job: JobRecord?
    public var items: [ItemStatus]
}

/// An item with its latest verdict and how many verdicts it has had.
public struct ItemStatus: Sendable, Hashable {
    public var item: ItemRecord
    public var latest: VerdictRecord?
    public var history: Int
}

/// An additional document (追加資料) sent for a case; its blob is already durable.
public struct NewAdditional: Sendable, Hashable {
    public var receipt: String
    public var uploader: String
    public var fileName: String
    public var sha256: String
    public var bytes: Int64
    public var bundle: BundleInstructions?

    public init(
        receipt: String, uploader: String, fileName: String, sha256: String, bytes: Int64,
        bundle: BundleInstructions? = nil
    ) {
        self.bundle = bundle
        self.receipt = receipt
        self.uploader = uploader
        self.fileName = fileName
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// What adding a document to a case did.
public enum AddOutcome: Sendable, Hashable {
    /// Linked to the case and queued for validation.
    case linked(UploadRecord, JobRecord)
    /// The case already holds this file (same SHA-256): linked once, nothing new stored.
    case alreadyLinked(UploadRecord)
    /// Refused for the case; kept for audit with its finding, outside any case.
    case refused(UploadRecord, Finding)
}

/// A case with everything `case show` lists.
public struct CaseView: Sendable, Hashable {
    public var status: ApplicationStatus
    public var grants: [CaseGrantRecord]
    public var events: [CaseEventRecord]
}

/// Cases: who may add to them, their states, and additional documents.
public protocol CaseStore: Sendable {
    /// Decides, records and (when accepted) queues an additional document in one transaction, so that the
    /// decision sees the case as it is when the document is linked. `decide` gets nil for an unknown receipt.
    func add(
        _ document: NewAdditional, now: Double, maxAttempts: Int, policyVersion: String,
        decide: @escaping @Sendable (CaseSnapshot?) -> CaseDecision
    ) async throws -> AddOutcome
    /// Moves a case to `state`. Entering `awaiting_additional` opens a new request round (a new allowance).
    func setCaseState(receipt: String, to state: CaseState, actor: String, now: Double) async throws -> ApplicationRecord
    /// Allows `uploader` to add documents to the case.
    func grant(receipt: String, uploader: String, actor: String, now: Double) async throws
    func caseView(receipt: String) async throws -> CaseView?
}
