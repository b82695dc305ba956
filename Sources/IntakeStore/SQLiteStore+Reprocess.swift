import GRDB
import IntakeCore

/// An item as reprocessing sees it: its upload, and the verdict (with the facts) it has now.
public struct ReplayEntry: Sendable, Hashable {
    public var upload: UploadRecord
    public var item: ItemRecord
    public var latest: VerdictRecord
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
}

/// Reprocessing: judging stored items again under the current policy, from the facts their inspection recorded.
public protocol ReprocessStore: Sendable {
    func applications(matching selection: ReprocessSelection) async throws -> [String]
    /// An application's items with their latest verdicts, in the order the items were first decided.
    func replayEntries(applicationId: String) async throws -> [ReplayEntry]
    func enqueueReprocess(applicationIds: [String], policyVersion: String, now: Double, maxAttempts: Int)
        async throws -> ReprocessEnqueueResult
    /// Replays the job's application inside one transaction and appends a verdict for each item whose result or
    /// policy version differs from its latest one; the older verdicts stay as history.
    func completeReprocess(
        _ claim: ClaimedJob, now: Double, decide: @escaping @Sendable ([ReplayEntry]) -> [ItemResult]
    ) async throws -> Int
    /// Unfinished jobs of one kind: the progress of a reprocess run.
    func unfinishedJobs(kind: String) async throws -> Int
}

extension SQLiteStore {
    public func applications(matching selection: ReprocessSelection) async throws -> [String] {
        try await read { db in
            switch selection {
            case .application(let id):
                return try ApplicationRecord.fetchOne(db, key: id) == nil ? [] : [id]
            case .code(let code):
                return try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT u.application_id FROM items i
                        JOIN uploads u ON u.id = i.upload_id
                        JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                        WHERE u.application_id IS NOT NULL
                          AND EXISTS (SELECT 1 FROM json_each(v.findings) WHERE json_extract(value, '$.code') = ?)
                        ORDER BY u.application_id
                        """, arguments: [code])
            case .since(let time):
                return try String.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT application_id FROM uploads
                        WHERE application_id IS NOT NULL AND created_at >= ? ORDER BY application_id
                        """, arguments: [time])
            case .all:
                return try String.fetchAll(db, sql: "SELECT id FROM applications ORDER BY id")
            }
        }
    }

    public func replayEntries(applicationId: String) async throws -> [ReplayEntry] {
        try await read { db in try Self.replayEntries(applicationId, db) }
    }

    static func replayEntries(_ applicationId: String, _ db: Database) throws -> [ReplayEntry] {
        let uploads = try UploadRecord.filter(Column("application_id") == applicationId).fetchAll(db)
        var entries: [(first: Int64, entry: ReplayEntry)] = []
        for upload in uploads {
            for item in try ItemRecord.filter(Column("upload_id") == upload.id).fetchAll(db) {
                guard
                    let latest = try VerdictRecord.filter(Column("item_id") == item.id).order(Column("id").desc)
                        .fetchOne(db),
                    let first = try Int64.fetchOne(
                        db, sql: "SELECT MIN(id) FROM verdicts WHERE item_id = ?", arguments: [item.id])
                else { continue }
                entries.append((first, ReplayEntry(upload: upload, item: item, latest: latest)))
            }
        }
        // The order of first decisions never changes, however often the items are reprocessed.
        return entries.sorted { $0.first < $1.first }.map(\.entry)
    }

    public func enqueueReprocess(applicationIds: [String], policyVersion: String, now: Double, maxAttempts: Int)
        async throws -> ReprocessEnqueueResult
    {
        try await write { db in
            var result = ReprocessEnqueueResult(enqueued: 0, upToDate: 0, alreadyQueued: 0)
            for applicationId in applicationIds {
                let queued = try JobRecord.filter(
                    Column("application_id") == applicationId && Column("kind") == JobKind.reprocessApplication
                        && [JobState.queued, .running, .retrying].contains(Column("state"))
                ).fetchCount(db)
                if queued > 0 {
                    result.alreadyQueued += 1
                    continue
                }
                let stale = try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM items i JOIN uploads u ON u.id = i.upload_id
                        JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                        WHERE u.application_id = ? AND v.policy_version != ?
                        """, arguments: [applicationId, policyVersion]) ?? 0
                if stale == 0 {
                    result.upToDate += 1
                    continue
                }
                try JobRecord(
                    id: Identifiers.make("J"), kind: JobKind.reprocessApplication, uploadId: nil,
                    applicationId: applicationId, state: .queued, priority: JobPriority.reprocess, attempts: 0,
                    maxAttempts: maxAttempts, runAfter: now, leaseOwner: nil, leaseToken: nil, leaseExpiresAt: nil,
                    lastError: nil, createdAt: now, updatedAt: now
                ).insert(db)
                result.enqueued += 1
            }
            return result
        }
    }

    public func completeReprocess(
        _ claim: ClaimedJob, now: Double, decide: @escaping @Sendable ([ReplayEntry]) -> [ItemResult]
    ) async throws -> Int {
        try await write { db in
            try Self.assertLease(claim, db)
            guard let applicationId = claim.job.applicationId else {
                throw StoreError(code: .integrity, message: "reprocess job \(claim.job.id) names no application")
            }
            let entries = try Self.replayEntries(applicationId, db)
            let latestByItem = Dictionary(entries.map { ($0.item.id, $0.latest) }, uniquingKeysWith: { $1 })
            var recorded = 0
            for result in decide(entries) {
                guard let latest = latestByItem[result.item.id] else { continue }
                let unchanged =
                    latest.policyVersion == result.policyVersion && latest.verdict == result.verdict
                    && latest.findings == result.findings
                if unchanged { continue }
                var verdict = VerdictRecord(
                    id: nil, itemId: result.item.id, verdict: result.verdict, policyVersion: result.policyVersion,
                    findings: result.findings, facts: result.facts, jobId: claim.job.id, durationMs: nil,
                    createdAt: now)
                try verdict.insert(db)
                recorded += 1
            }
            try Self.markSucceeded(claim, now: now, db)
            return recorded
        }
    }

    public func unfinishedJobs(kind: String) async throws -> Int {
        try await read { db in
            try JobRecord.filter(
                Column("kind") == kind && [JobState.queued, .running, .retrying].contains(Column("state"))
            ).fetchCount(db)
        }
    }
}
