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

    public func replayEntries(applicationIds: [String]) async throws -> [String: [ReplayEntry]] {
        try await read { db in
            var entries: [String: [ReplayEntry]] = [:]
            for batch in ReprocessBatch.batches(applicationIds) {
                entries.merge(try Self.replayEntries(batch, db)) { $1 }
            }
            return entries
        }
    }

    /// Four statements for the whole batch: its uploads, their items, each item's first and latest verdict ids,
    /// and the latest verdicts. A batch is at most `ReprocessBatch.maximumApplications` applications, far below
    /// SQLite's limit on bound values.
    static func replayEntries(_ applicationIds: [String], _ db: Database) throws -> [String: [ReplayEntry]] {
        let uploads = try UploadRecord.filter(applicationIds.contains(Column("application_id"))).fetchAll(db)
        let uploadsById = Dictionary(uploads.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let items = try ItemRecord.filter(uploadsById.keys.contains(Column("upload_id"))).fetchAll(db)
        let itemIds = items.map(\.id)
        var verdictIds: [String: (first: Int64, latest: Int64)] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT item_id, MIN(id) AS first, MAX(id) AS latest FROM verdicts
                WHERE item_id IN (\(databaseQuestionMarks(count: itemIds.count))) GROUP BY item_id
                """, arguments: StatementArguments(itemIds))
        {
            verdictIds[row["item_id"]] = (row["first"], row["latest"])
        }
        let latest = try VerdictRecord.filter(verdictIds.values.map(\.latest).contains(Column("id"))).fetchAll(db)
        let latestById = Dictionary(latest.map { ($0.id ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
        var ordered: [String: [(first: Int64, entry: ReplayEntry)]] = [:]
        for item in items {
            guard let upload = uploadsById[item.uploadId], let applicationId = upload.applicationId,
                let ids = verdictIds[item.id], let verdict = latestById[ids.latest]
            else { continue }
            ordered[applicationId, default: []].append(
                (ids.first, ReplayEntry(upload: upload, item: item, latest: verdict)))
        }
        // The order of first decisions never changes, however often the items are reprocessed.
        var entries = Dictionary(uniqueKeysWithValues: applicationIds.map { ($0, [ReplayEntry]()) })
        for (applicationId, decided) in ordered {
            entries[applicationId] = decided.sorted { $0.first < $1.first }.map(\.entry)
        }
        return entries
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
            for (index, batch) in ReprocessBatch.batches(stale).enumerated() {
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
        try await write(.queueBookkeeping) { [clock] db in
            let now = clock()
            try Self.assertLease(claim, db)
            let applications = try ReprocessBatch.applications(of: claim.job)
            guard !applications.isEmpty else {
                throw StoreError(code: .integrity, message: "reprocess job \(claim.job.id) names no application")
            }
            var recorded = 0
            let entriesByApplication = try Self.replayEntries(applications, db)
            for applicationId in applications {
                let entries = entriesByApplication[applicationId] ?? []
                let latest = Dictionary(entries.map { ($0.item.id, $0.latest) }, uniquingKeysWith: { $1 })
                for result in decide(entries) {
                    guard let previous = latest[result.item.id] else { continue }
                    let verdict = VerdictRecord(
                        id: nil, itemId: result.item.id, verdict: result.verdict, policyVersion: result.policyVersion,
                        findings: result.findings, facts: result.facts, jobId: claim.job.id, durationMs: nil,
                        createdAt: now)
                    // A replay judges the stored facts again, so they are usually the latest verdict's own: copy
                    // their JSON in SQLite rather than encode it again (most of a replayed verdict's cost).
                    if let previousId = previous.id, previous.facts == result.facts {
                        try Self.insert(verdict, copyingFactsOf: previousId, db)
                    } else {
                        try Self.insert(verdict, db)
                    }
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
