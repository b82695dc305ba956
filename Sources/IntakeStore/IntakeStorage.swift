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

/// What a submission came to.
public enum SubmitOutcome: Sendable, Hashable {
    case recorded(SubmitResult)
    /// Refused by the submission rules; nothing was recorded.
    case refused(Finding)
}

/// What recording an upload did.
public struct SubmitResult: Sendable, Hashable {
    public var upload: UploadRecord
    public var job: JobRecord
    public var receipt: String
    /// True when the same file was already recorded for this application and slot: nothing new was stored.
    public var duplicate: Bool

    public init(upload: UploadRecord, job: JobRecord, receipt: String, duplicate: Bool) {
        self.upload = upload
        self.job = job
        self.receipt = receipt
        self.duplicate = duplicate
    }
}

/// A job a worker holds, with the upload it is about (for `process_upload` jobs).
public struct ClaimedJob: Sendable, Hashable {
    public var job: JobRecord
    public var upload: UploadRecord?
    public var leaseToken: String { job.leaseToken ?? "" }

    public init(job: JobRecord, upload: UploadRecord?) {
        self.job = job
        self.upload = upload
    }
}

/// What a job does. Each kind has one handler in the worker; new kinds (webhook deliveries, archives) add a value
/// and a handler, never a new queue.
public struct JobKind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Inspect one upload and record its verdict.
    public static let processUpload = JobKind(rawValue: "process_upload")
    /// Judge applications' items again from their stored facts under the current policy: a batch of
    /// applications (`ReprocessBatch`), or one application in jobs queued before batches.
    public static let reprocessApplication = JobKind(rawValue: "reprocess_application")
    /// Send one event to one webhook (`WebhookDelivery` in the payload).
    public static let deliverWebhook = JobKind(rawValue: "deliver_webhook")

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Claim order: live uploads before reprocessing, so an admin's long run never delays an applicant; webhook
/// deliveries between them, since a portal waits on them but a slow receiver must not hold up verdicts.
public enum JobPriority {
    public static let live = 100
    public static let webhook = 50
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

/// Jobs not finished yet: how many, and how soon the next one becomes claimable.
public struct UnfinishedJobs: Sendable, Hashable {
    public var count: Int
    /// Until the earliest retry or lease expiry, by the store's clock; zero when one is due now, nil when none waits.
    public var nextDueIn: Duration?

    public init(count: Int, nextDueIn: Duration?) {
        self.count = count
        self.nextDueIn = nextDueIn
    }
}

/// The durable queue of jobs, implemented by each backend (SQLite; PostgreSQL with `FOR UPDATE SKIP LOCKED`)
/// without the worker changing.
///
/// The store owns time: leases, backoff and due times are read from its own clock (the database's, on a server),
/// never from the caller's, so that clock skew between hosts cannot decide who holds a job.
public protocol JobQueue: Sendable {
    /// Leases up to `limit` of the most urgent claimable jobs (queued, due for retry, or running with an expired
    /// lease) to `worker` for `lease`, each with a fresh lease token, in one atomic step; applies
    /// `JobRules.expiredLease` to each expired one first. Isolation: no two workers may claim the same job
    /// (SQLite: one writer under `BEGIN IMMEDIATE`; PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    func claim(worker: String, limit: Int, lease: Duration) async throws -> [ClaimedJob]
    /// Extends the lease from now; false when the job is no longer this claim's (fenced by the lease token).
    func renew(_ claim: ClaimedJob, lease: Duration) async throws -> Bool
    /// Records the results and marks the job succeeded, atomically, only while the claim's lease token is current
    /// (else `StoreError.leaseLost`, and nothing is written). Isolation: `decide` must see every verdict of the
    /// application committed before its own and none may commit between its read and its write, so that two
    /// uploads racing for the last of an allowance cannot both pass (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
    /// `SELECT … FOR UPDATE` on the application row).
    func complete(_ claim: ClaimedJob, decide: @escaping @Sendable (ApplicationUsage) -> [ItemResult]) async throws
    /// Records a failed attempt, fenced like `complete`: back to `retrying` after `retryAfter`, or `dead` when
    /// `retryAfter` is nil (not retriable, or attempts used up).
    func fail(_ claim: ClaimedJob, error: String, retryAfter: Duration?) async throws
    /// Marks a job that records nothing else succeeded (a webhook delivery), fenced like `complete`.
    func succeed(_ claim: ClaimedJob) async throws
    /// Jobs that are not finished (queued, retrying or running). Read-only; any committed snapshot will do.
    func unfinishedJobs() async throws -> UnfinishedJobs
    /// Unfinished jobs of one kind. Read-only.
    func unfinishedJobs(kind: JobKind) async throws -> Int
    /// Jobs in `state`, most recently updated first, at most `limit` (the admin's list of dead jobs). Read-only.
    func jobs(in state: JobState, limit: Int) async throws -> [JobRecord]
    /// Puts a dead job back in the queue with its attempts reset, its last error kept; false when no dead job
    /// has that id. Isolation: atomic.
    func retry(jobId: String) async throws -> Bool
    /// How many jobs are in each state. Read-only.
    func jobCounts() async throws -> [JobState: Int]
}

/// Applications, uploads, items and verdicts.
public protocol UploadStore: Sendable {
    /// Decides and records an upload and enqueues its job in one transaction: `decide` sees the application as it
    /// is (nil when new) and says whether to create it, add to it or refuse. A resubmission of the same file for the
    /// same application and slot (`IdempotencyKey.upload`) returns the first upload and job. Isolation: the
    /// decision and the insert are atomic, and two racing first submissions create one application.
    func submit(
        _ upload: NewUpload, maxAttempts: Int, decide: @escaping @Sendable (CaseSnapshot?) -> SubmissionDecision
    ) async throws -> SubmitOutcome
    /// The reads below need one committed snapshot each, nothing stronger.
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
    /// How many items uploaded at or after `uploadedSince` have each finding code in their latest verdict: what
    /// applicants are being told now, each item counted once per code however often it was judged again.
    func findingCounts(uploadedSince: Double) async throws -> [String: Int]
}

/// The storage a worker and the command line need.
public typealias IntakeStorage = JobQueue & UploadStore & CaseStore & ReprocessStore & TokenStore & IdempotencyStore
    & EventStore & WebhookStore

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

    public init(
        application: ApplicationRecord, uploads: [UploadStatus], additional: [UploadStatus], usage: ApplicationUsage
    ) {
        self.application = application
        self.uploads = uploads
        self.additional = additional
        self.usage = usage
    }
}

/// An upload, its job, and its items with their latest verdicts.
public struct UploadStatus: Sendable, Hashable {
    public var upload: UploadRecord
    public var job: JobRecord?
    public var items: [ItemStatus]

    public init(upload: UploadRecord, job: JobRecord? = nil, items: [ItemStatus]) {
        self.upload = upload
        self.job = job
        self.items = items
    }
}

/// An item with its latest verdict and how many verdicts it has had.
public struct ItemStatus: Sendable, Hashable {
    public var item: ItemRecord
    public var latest: VerdictRecord?
    public var history: Int

    public init(item: ItemRecord, latest: VerdictRecord? = nil, history: Int) {
        self.item = item
        self.latest = latest
        self.history = history
    }
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

    public init(status: ApplicationStatus, grants: [CaseGrantRecord], events: [CaseEventRecord]) {
        self.status = status
        self.grants = grants
        self.events = events
    }
}

/// What a change of a case's state came to.
public enum CaseStateOutcome: Sendable, Hashable {
    case moved(ApplicationRecord)
    case refused(Finding)
    case notFound
}

/// Cases: who may add to them, their states, and additional documents.
public protocol CaseStore: Sendable {
    /// Decides, records and (when accepted) queues an additional document in one transaction, so that the
    /// decision sees the case as it is when the document is linked. `decide` gets nil for an unknown receipt, and
    /// the case's earlier copies of this file for de-duplication. A refused document is kept for audit outside any
    /// case, with its finding as its verdict under `policyVersion`. Isolation: as `submit`.
    func add(
        _ document: NewAdditional, maxAttempts: Int, policyVersion: String,
        decide: @escaping @Sendable (CaseSnapshot?) -> CaseDecision
    ) async throws -> AddOutcome
    /// Moves a case as `decide` says, given its current state (`CaseRules.transition`), and records who did it.
    /// A move into a new request round increments the round. Isolation: read and write atomic.
    func setCaseState(
        receipt: String, actor: String, decide: @escaping @Sendable (CaseState) -> CaseTransition
    ) async throws -> CaseStateOutcome
    /// Allows `uploader` to add documents to the case; false for an unknown receipt. Granting twice is one grant.
    func grant(receipt: String, uploader: String, actor: String) async throws -> Bool
    /// Read-only; one committed snapshot.
    func caseView(receipt: String) async throws -> CaseView?
}

/// A storage fault. `isRetriable` lets the queue's retry policy decide. Refusals are findings, never store errors.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public init(name: String) { self.name = name }
        /// The database was busy or locked past the timeout.
        public static let busy = Code(name: "busy")
        /// The database server could not be reached or went away mid-transaction (a restart, a cut link).
        public static let unavailable = Code(name: "unavailable")
        /// The job's lease passed to another worker: this worker's result must not be recorded.
        public static let leaseLost = Code(name: "lease_lost")
        public static let integrity = Code(name: "integrity")
        public static let database = Code(name: "database")
    }
    public var code: Code
    public var message: String
    public var isRetriable: Bool { code == .busy || code == .unavailable }
    public var description: String { "store \(code): \(message)" }

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}
