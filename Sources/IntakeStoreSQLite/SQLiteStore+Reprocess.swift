import GRDB
import IntakeCore
import IntakeStore

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

    public func enqueueReprocess(applicationIds: [String], policyVersion: String, maxAttempts: Int)
        async throws -> ReprocessEnqueueResult
    {
        try await write { [clock] db in
            let now = clock()
            var result = ReprocessEnqueueResult(enqueued: 0, upToDate: 0, alreadyQueued: 0)
            let queued = Set(try Self.unfinishedReprocessJobs(db).flatMap(ReprocessBatch.applications(of:)))
            var stale: [String] = []
            for applicationId in applicationIds {
                if queued.contains(applicationId) {
                    result.alreadyQueued += 1
                    continue
                }
                let staleItems =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM items i JOIN uploads u ON u.id = i.upload_id
                            JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                            WHERE u.application_id = ? AND v.policy_version != ?
                            """, arguments: [applicationId, policyVersion]) ?? 0
                if staleItems == 0 {
                    result.upToDate += 1
                    continue
                }
                stale.append(applicationId)
            }
            for (index, start) in stride(from: 0, to: stale.count, by: ReprocessBatch.maximumApplications).enumerated()
            {
                let batch = Array(stale[start..<min(stale.count, start + ReprocessBatch.maximumApplications)])
                let created = ReprocessBatch.creationTime(now, batch: index)
                try JobRecord(
                    id: Identifier.make("J"), kind: .reprocessApplication, payload: ReprocessBatch.payload(batch),
                    uploadId: nil, applicationId: batch[0], state: .queued, priority: JobPriority.reprocess,
                    attempts: 0, maxAttempts: maxAttempts, runAfter: now, leaseOwner: nil, leaseToken: nil,
                    leaseExpiresAt: nil, lastError: nil, createdAt: created, updatedAt: created
                ).insert(db)
            }
            result.enqueued = stale.count
            return result
        }
    }

    public func completeReprocess(
        _ claim: ClaimedJob, decide: @escaping @Sendable ([ReplayEntry]) -> [ItemResult]
    ) async throws -> Int {
        try await write { [clock] db in
            let now = clock()
            try Self.assertLease(claim, db)
            let applications = try ReprocessBatch.applications(of: claim.job)
            guard !applications.isEmpty else {
                throw StoreError(code: .integrity, message: "reprocess job \(claim.job.id) names no application")
            }
            var recorded = 0
            for applicationId in applications {
                let entries = try Self.replayEntries(applicationId, db)
                let known = Set(entries.map(\.item.id))
                for result in decide(entries) where known.contains(result.item.id) {
                    var verdict = VerdictRecord(
                        id: nil, itemId: result.item.id, verdict: result.verdict, policyVersion: result.policyVersion,
                        findings: result.findings, facts: result.facts, jobId: claim.job.id, durationMs: nil,
                        createdAt: now)
                    try verdict.insert(db)
                    recorded += 1
                }
            }
            try Self.markSucceeded(claim, now: now, db)
            return recorded
        }
    }

    public func unfinishedReprocessApplications() async throws -> Int {
        try await read { db in
            try Self.unfinishedReprocessJobs(db).reduce(0) { $0 + (try ReprocessBatch.applications(of: $1)).count }
        }
    }

    static func unfinishedReprocessJobs(_ db: Database) throws -> [JobRecord] {
        try JobRecord.filter(
            Column("kind") == JobKind.reprocessApplication.rawValue
                && [JobState.queued, .running, .retrying].contains(Column("state"))
        ).fetchAll(db)
    }
}
