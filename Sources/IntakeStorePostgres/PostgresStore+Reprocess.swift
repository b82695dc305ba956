import IntakeCore
import IntakeStore
import PostgresNIO

extension PostgresStore {
    public func applications(matching selection: ReprocessSelection) async throws -> [String] {
        let query: PostgresQuery
        switch selection {
        case .application(let id):
            query = "SELECT id FROM applications WHERE id = \(id)"
        case .code(let code):
            query = """
                SELECT DISTINCT u.application_id AS id FROM items i
                JOIN uploads u ON u.id = i.upload_id
                JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                WHERE u.application_id IS NOT NULL
                  AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.findings::jsonb) f WHERE f->>'code' = \(code))
                ORDER BY 1
                """
        case .since(let time):
            query = """
                SELECT DISTINCT application_id AS id FROM uploads
                WHERE application_id IS NOT NULL AND created_at >= \(time) ORDER BY 1
                """
        case .all:
            query = "SELECT id FROM applications ORDER BY id"
        }
        return try await rows(query).map { try $0.value("id") }
    }

    public func replayEntries(applicationIds: [String]) async throws -> [String: [ReplayEntry]] {
        try await read { tx in
            var entries: [String: [ReplayEntry]] = [:]
            for batch in ReprocessBatch.batches(applicationIds) {
                entries.merge(try await Self.replayEntries(batch, tx)) { $1 }
            }
            return entries
        }
    }

    /// Each application's items with their latest verdicts, in the order of their first verdicts, which never
    /// changes however often they are reprocessed: three statements for the whole batch.
    static func replayEntries(_ applicationIds: [String], _ tx: Transaction) async throws -> [String: [ReplayEntry]] {
        var uploads: [String: UploadRecord] = [:]
        for row in try await tx.rows("SELECT * FROM uploads WHERE application_id = ANY(\(applicationIds))") {
            let upload = try UploadRecord(row: row)
            uploads[upload.id] = upload
        }
        let items = try await tx.rows(
            """
            SELECT i.*, (SELECT MIN(id) FROM verdicts WHERE item_id = i.id) AS first_verdict,
                   (SELECT MAX(id) FROM verdicts WHERE item_id = i.id) AS latest_verdict
            FROM items i JOIN uploads u ON u.id = i.upload_id
            WHERE u.application_id = ANY(\(applicationIds)) AND EXISTS (SELECT 1 FROM verdicts WHERE item_id = i.id)
            ORDER BY first_verdict
            """)
        let latestIds = try items.map { try $0.value("latest_verdict", Int64.self) }
        var verdicts: [Int64: VerdictRecord] = [:]
        for row in try await tx.rows("SELECT * FROM verdicts WHERE id = ANY(\(latestIds))") {
            let verdict = try VerdictRecord(row: row)
            verdicts[verdict.id ?? 0] = verdict
        }
        var entries = Dictionary(uniqueKeysWithValues: applicationIds.map { ($0, [ReplayEntry]()) })
        for row in items {
            let item = try ItemRecord(row: row)
            guard let upload = uploads[item.uploadId], let applicationId = upload.applicationId,
                let latest = verdicts[try row.value("latest_verdict", Int64.self)]
            else { continue }
            entries[applicationId, default: []].append(ReplayEntry(upload: upload, item: item, latest: latest))
        }
        return entries
    }

    public func enqueueReprocess(applicationIds: [String], policyVersion: String, maxAttempts: Int)
        async throws -> ReprocessEnqueueResult
    {
        try await write { tx in
            // Serialised, so two admins enqueueing at once queue each application once.
            try await tx.execute("SELECT pg_advisory_xact_lock(\(Self.reprocessLock))")
            var result = ReprocessEnqueueResult(enqueued: 0, upToDate: 0, alreadyQueued: 0)
            let queued = Set(try await Self.unfinishedReprocessJobs(tx).flatMap(ReprocessBatch.applications(of:)))
            var stale: [String] = []
            for applicationId in applicationIds {
                if queued.contains(applicationId) {
                    result.alreadyQueued += 1
                    continue
                }
                let staleItem = try await tx.row(
                    """
                    SELECT 1 FROM items i JOIN uploads u ON u.id = i.upload_id
                    JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                    WHERE u.application_id = \(applicationId) AND v.policy_version <> \(policyVersion)
                    LIMIT 1
                    """)
                if staleItem == nil {
                    result.upToDate += 1
                    continue
                }
                stale.append(applicationId)
            }
            for (index, batch) in ReprocessBatch.batches(stale).enumerated() {
                let created = ReprocessBatch.creationTime(tx.now, batch: index)
                try await Self.insert(
                    JobRecord(
                        id: Identifier.make("J"), kind: .reprocessApplication, payload: ReprocessBatch.payload(batch),
                        applicationId: batch[0], state: .queued, priority: JobPriority.reprocess, attempts: 0,
                        maxAttempts: maxAttempts, runAfter: tx.now, createdAt: created, updatedAt: created), tx)
            }
            result.enqueued = stale.count
            return result
        }
    }

    /// The advisory lock that enqueueing a reprocess run holds (beside `migrationLock`).
    static let reprocessLock: Int64 = 0x696E_7461_6B66

    static func unfinishedReprocessJobs(_ tx: Transaction) async throws -> [JobRecord] {
        try await tx.rows(
            """
            SELECT * FROM jobs WHERE kind = \(JobKind.reprocessApplication.rawValue)
              AND state IN ('queued', 'running', 'retrying')
            """
        ).map(JobRecord.init(row:))
    }

    public func unfinishedReprocessApplications() async throws -> Int {
        try await read { tx in
            try await Self.unfinishedReprocessJobs(tx).reduce(0) {
                $0 + (try ReprocessBatch.applications(of: $1)).count
            }
        }
    }

    public func completeReprocess(
        _ claim: ClaimedJob, decide: @escaping @Sendable ([ReplayEntry]) -> [ItemResult]
    ) async throws -> Int {
        try await write { tx in
            try await Self.lockLease(claim, tx)
            let applications = try ReprocessBatch.applications(of: claim.job)
            guard !applications.isEmpty else {
                throw StoreError(code: .integrity, message: "reprocess job \(claim.job.id) names no application")
            }
            var recorded = 0
            // In the run's order (by id): no other transaction holds two application rows, so none deadlocks this.
            for applicationId in applications { _ = try await Self.lockApplication(id: applicationId, tx) }
            let entriesByApplication = try await Self.replayEntries(applications, tx)
            for applicationId in applications {
                let entries = entriesByApplication[applicationId] ?? []
                let known = Set(entries.map(\.item.id))
                for result in decide(entries) where known.contains(result.item.id) {
                    try await Self.insertVerdict(result, jobId: claim.job.id, durationMs: nil, tx)
                    recorded += 1
                }
            }
            try await Self.markSucceeded(claim, tx)
            return recorded
        }
    }
}
