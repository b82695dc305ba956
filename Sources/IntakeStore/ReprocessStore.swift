import IntakeCore

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
    /// An application's items with their latest verdicts, in the order the items were first decided.
    func replayEntries(applicationId: String) async throws -> [ReplayEntry]
    /// Gives each application a low-priority reprocess job, unless it already has an unfinished one (a resumed
    /// run) or every latest verdict already comes from `policyVersion`. Isolation: atomic per call.
    func enqueueReprocess(applicationIds: [String], policyVersion: String, maxAttempts: Int)
        async throws -> ReprocessEnqueueResult
    /// Replays the job's application inside one transaction, fenced by the lease as `complete` is, and appends the
    /// verdicts `decide` returns (the items whose result changed, by `Judgement.isRecorded(over:)`); the older
    /// verdicts stay as history. Returns how many were appended. Isolation: as `complete`.
    func completeReprocess(
        _ claim: ClaimedJob, decide: @escaping @Sendable ([ReplayEntry]) -> [ItemResult]
    ) async throws -> Int
}
