import Foundation
import IntakeCore

/// The applications one reprocess job replays, in one transaction. One job per application made a run cost a
/// claim, a transaction and a durable commit per application (150–215 applications a second here); a batch
/// shares them between `maximumApplications`, short enough that the transaction holds the store's writer (SQLite)
/// or the applications' rows (PostgreSQL) for milliseconds, not seconds.
public enum ReprocessBatch {
    public static let maximumApplications = 100

    /// The creation time of a run's `batch`-th job: a microsecond apart, so that claims, which take jobs of one
    /// priority by due time and then by creation, take a run's batches in its order.
    public static func creationTime(_ now: Double, batch: Int) -> Double { now + Double(batch) * 1e-6 }

    /// `applications` in runs of at most `maximumApplications`, in order: how a run is cut into jobs and how its
    /// entries are read.
    public static func batches(_ applications: [String]) -> [[String]] {
        stride(from: 0, to: applications.count, by: maximumApplications).map { start in
            Array(applications[start..<min(applications.count, start + maximumApplications)])
        }
    }

    /// The payload of a job replaying `applications` (in the order given, which is the run's).
    public static func payload(_ applications: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(applications)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The applications a reprocess job replays: its payload's, or its one application for a job queued before
    /// batches (no payload).
    public static func applications(of job: JobRecord) throws -> [String] {
        guard let payload = job.payload else { return job.applicationId.map { [$0] } ?? [] }
        guard let applications = try? JSONDecoder().decode([String].self, from: Data(payload.utf8)) else {
            throw StoreError(code: .integrity, message: "reprocess job \(job.id) has an unreadable payload")
        }
        return applications
    }
}

/// An item as reprocessing sees it: its upload, and the verdict (with the facts) it has now.
public struct ReplayEntry: Sendable, Hashable {
    public var upload: UploadRecord
    public var item: ItemRecord
    public var latest: VerdictRecord

    public init(upload: UploadRecord, item: ItemRecord, latest: VerdictRecord) {
        self.upload = upload
        self.item = item
        self.latest = latest
    }
}

/// Which applications an admin reprocesses.
public enum ReprocessSelection: Sendable, Hashable {
    case application(String)
    /// Applications with an item whose latest verdict carries this finding code.
    case code(String)
    /// Applications with an upload received at or after this time (seconds since 1970).
    case since(Double)
    case all
}

/// What enqueuing a reprocess run did.
public struct ReprocessEnqueueResult: Sendable, Hashable {
    /// Applications given a reprocess job now.
    public var enqueued: Int
    /// Applications whose every verdict already comes from the current policy: nothing to redo.
    public var upToDate: Int
    /// Applications that already have an unfinished reprocess job (an interrupted run resumes it).
    public var alreadyQueued: Int

    public init(enqueued: Int, upToDate: Int, alreadyQueued: Int) {
        self.enqueued = enqueued
        self.upToDate = upToDate
        self.alreadyQueued = alreadyQueued
    }
}

/// Reprocessing: judging stored items again under the current policy, from the facts their inspection recorded.
public protocol ReprocessStore: Sendable {
    func applications(matching selection: ReprocessSelection) async throws -> [String]
    /// Each application's items with their latest verdicts, in the order the items were first decided, read
    /// together (a few statements for all of them, not several per item). An application with no decided item
    /// maps to an empty list. Read-only.
    func replayEntries(applicationIds: [String]) async throws -> [String: [ReplayEntry]]
    /// Queues the applications for reprocessing, in low-priority jobs of up to `ReprocessBatch.maximumApplications`
    /// each, in the order given, except an application already in an unfinished reprocess job (a resumed run) or
    /// whose every latest verdict already comes from `policyVersion`. Isolation: atomic per call, and serialised
    /// with other calls, so two admins starting a run at once queue each application once.
    func enqueueReprocess(applicationIds: [String], policyVersion: String, maxAttempts: Int)
        async throws -> ReprocessEnqueueResult
    /// Replays the job's applications inside one transaction, fenced by the lease as `complete` is: for each, in
    /// order, `decide` is handed its entries and the verdicts it returns (the items whose result changed, by
    /// `Judgement.isRecorded(over:)`) are appended; the older verdicts stay as history. Returns how many were
    /// appended. Isolation: as `complete`, each application's row locked as its verdicts are recorded.
    func completeReprocess(
        _ claim: ClaimedJob, decide: @escaping @Sendable ([ReplayEntry]) -> [ItemResult]
    ) async throws -> Int
    /// Applications in unfinished reprocess jobs: the progress of a run. Read-only.
    func unfinishedReprocessApplications() async throws -> Int
}

extension ReprocessStore {
    /// One application's items with their latest verdicts, in the order the items were first decided.
    public func replayEntries(applicationId: String) async throws -> [ReplayEntry] {
        try await replayEntries(applicationIds: [applicationId])[applicationId] ?? []
    }
}
