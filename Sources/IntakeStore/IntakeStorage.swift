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

    public init(
        applicationId: String, uploader: String, receipt: String?, slot: Slot, fileName: String, sha256: String,
        bytes: Int64
    ) {
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

/// A job a worker holds, with the upload it is about.
public struct ClaimedJob: Sendable, Hashable {
    public var job: JobRecord
    public var upload: UploadRecord
    public var leaseToken: String { job.leaseToken ?? "" }
}

/// What the application already holds, read inside the transaction that records a verdict, so two jobs of one
/// application cannot both pass a limit that only one of them fits.
public struct ApplicationUsage: Sendable, Hashable {
    /// Bytes of the application's items whose latest verdict is accepted, this upload's excluded.
    public var acceptedBytes: Int64
    /// Accepted attachment uploads, this upload excluded.
    public var acceptedAttachments: Int
}

/// One item's result, ready to record.
public struct ItemResult: Sendable, Hashable {
    public var item: ItemRecord
    public var verdict: Verdict
    public var findings: [Finding]
    public var facts: FileFacts
    public var policyVersion: String

    public init(item: ItemRecord, verdict: Verdict, findings: [Finding], facts: FileFacts, policyVersion: String) {
        self.item = item
        self.verdict = verdict
        self.findings = findings
        self.facts = facts
        self.policyVersion = policyVersion
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
}

/// The storage a worker and the command line need.
public typealias IntakeStorage = JobQueue & UploadStore

/// An application with everything `status` shows.
public struct ApplicationStatus: Sendable, Hashable {
    public var application: ApplicationRecord
    public var uploads: [UploadStatus]
    public var acceptedBytes: Int64
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
