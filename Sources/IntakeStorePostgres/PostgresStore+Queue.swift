import IntakeCore
import IntakeStore
import PostgresNIO

extension PostgresStore {
    /// One statement leases the most urgent claimable jobs: the inner `SELECT … FOR UPDATE SKIP LOCKED` passes
    /// over rows another claim holds, so concurrent workers never wait on each other nor take the same job, and
    /// each row gets its own fresh lease token. The statement is its own transaction (one round trip); it also
    /// returns each job's upload (joined in the same snapshot) and what the job was before, so an expired lease
    /// can be judged by `JobRules.expiredLease`. The rare job that rule kills is then buried, fenced by the token
    /// this claim gave it, and the claim tops up the batch.
    public func claim(worker: String, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        var claimed: [ClaimedJob] = []
        while claimed.count < limit {
            let now = injectedNow
            let rows = try await rows(
                """
                UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, lease_owner = \(worker),
                    lease_token = 'L-' || replace(gen_random_uuid()::text, '-', ''),
                    lease_expires_at = intake_now(\(now)) + \(lease.seconds), updated_at = intake_now(\(now)),
                    last_error = CASE WHEN c.previous_state = 'running'
                        THEN 'lease of ' || COALESCE(c.previous_owner, '?') || ' expired; reclaimed'
                        ELSE j.last_error END
                FROM (
                    SELECT jobs.id, jobs.state AS previous_state, jobs.lease_owner AS previous_owner,
                           u.id AS u_id, u.application_id AS u_application_id,
                           u.requested_receipt AS u_requested_receipt, u.round AS u_round, u.slot AS u_slot,
                           u.file_name AS u_file_name, u.sha256 AS u_sha256, u.bytes AS u_bytes,
                           u.uploader AS u_uploader, u.idempotency_key AS u_idempotency_key,
                           u.bundle AS u_bundle, u.created_at AS u_created_at
                    FROM jobs LEFT JOIN uploads u ON u.id = jobs.upload_id
                    WHERE jobs.id IN (
                        SELECT id FROM jobs
                        WHERE (state IN ('queued', 'retrying') AND run_after <= intake_now(\(now)))
                           OR (state = 'running' AND lease_expires_at < intake_now(\(now)))
                        ORDER BY priority DESC, run_after, created_at, id
                        LIMIT \(limit - claimed.count)
                        FOR UPDATE SKIP LOCKED)
                ) c
                WHERE j.id = c.id
                RETURNING j.*, c.*
                """)
            if rows.isEmpty { break }
            var batch: [ClaimedJob] = []
            for row in rows {
                let job = try JobRecord(row: row)
                if try row.value("previous_state", String.self) == JobState.running.rawValue,
                    case .dead(let reason) = JobRules.expiredLease(
                        attempts: job.attempts - 1, maxAttempts: job.maxAttempts)
                {
                    try await bury(job, reason: reason)
                    continue
                }
                var upload: UploadRecord?
                if job.uploadId != nil {
                    guard try row.value("u_id", String?.self) != nil else {
                        throw StoreError(code: .integrity, message: "job \(job.id) names a missing upload")
                    }
                    upload = try UploadRecord(row: row, prefix: "u_")
                }
                batch.append(ClaimedJob(job: job, upload: upload))
            }
            // The statement returns rows in no particular order: claim order is the queue's order.
            claimed += batch.sorted { a, b in
                (a.job.priority, b.job.runAfter, b.job.createdAt, b.job.id)
                    > (b.job.priority, a.job.runAfter, a.job.createdAt, a.job.id)
            }
        }
        return claimed
    }

    /// A job whose lease expired after its last allowed attempt: dead, with the attempt the claim counted undone,
    /// and its upload's failure reported. Fenced by the token the claim just gave it: should this process die
    /// before, the job's lease expires again and the next claim buries it.
    private func bury(_ job: JobRecord, reason: String) async throws {
        try await write { tx in
            try await Self.lockLease(ClaimedJob(job: job, upload: nil), tx)
            try await tx.execute(
                """
                UPDATE jobs SET state = 'dead', attempts = attempts - 1, last_error = \(reason), lease_owner = NULL,
                    lease_token = NULL, lease_expires_at = NULL, updated_at = \(tx.now)
                WHERE id = \(job.id)
                """)
            if let upload = job.uploadId, let application = job.applicationId {
                _ = try await Self.lockApplication(id: application, tx)
                try await Self.append(.uploadFailed, application: application, upload: upload, tx)
            }
        }
    }

    public func renew(_ claim: ClaimedJob, lease: Duration) async throws -> Bool {
        let now = injectedNow
        return try await rows(
            """
            UPDATE jobs SET lease_expires_at = intake_now(\(now)) + \(lease.seconds), updated_at = intake_now(\(now))
            WHERE id = \(claim.job.id) AND lease_token = \(claim.leaseToken) AND state = 'running'
            RETURNING 1
            """
        ).count == 1
    }

    public func complete(_ claim: ClaimedJob, decide: @escaping @Sendable (ApplicationUsage) -> [ItemResult])
        async throws
    {
        try await write { tx in
            try await Self.lockLease(claim, tx)
            guard let upload = claim.upload, let applicationId = upload.applicationId else {
                throw StoreError(code: .integrity, message: "job \(claim.job.id) is not for an upload of a case")
            }
            // The allowance check's isolation: with the application row locked, no other verdict of this
            // application commits between the usage read below and this transaction's commit, and the read
            // (a new snapshot per statement under READ COMMITTED) sees every verdict committed before the lock.
            _ = try await Self.lockApplication(id: applicationId, tx)
            let usage = try await Self.usage(
                applicationId: applicationId, excludingUpload: upload.id, round: upload.round, tx)
            let results = decide(usage)
            for result in results {
                try await Self.upsert(result.item, tx)
                try await Self.insertVerdict(result, jobId: claim.job.id, durationMs: result.durationMs, tx)
            }
            let outcome = Verdict(items: results.map(\.verdict))
            try await Self.append(
                outcome == .accepted ? .uploadAccepted : .uploadRejected, application: applicationId,
                upload: upload.id, tx)
            try await Self.markSucceeded(claim, tx)
        }
    }

    static func upsert(_ item: ItemRecord, _ tx: Transaction) async throws {
        try await tx.execute(
            """
            INSERT INTO items (id, upload_id, ordinal, title, document_type, first_page, last_page, sha256, bytes)
            VALUES (\(item.id), \(item.uploadId), \(item.ordinal), \(item.title), \(item.documentType),
                \(item.firstPage), \(item.lastPage), \(item.sha256), \(item.bytes))
            ON CONFLICT (id) DO UPDATE SET upload_id = excluded.upload_id, ordinal = excluded.ordinal,
                title = excluded.title, document_type = excluded.document_type, first_page = excluded.first_page,
                last_page = excluded.last_page, sha256 = excluded.sha256, bytes = excluded.bytes
            """)
    }

    static func insertVerdict(_ result: ItemResult, jobId: String?, durationMs: Double?, _ tx: Transaction)
        async throws
    {
        try await tx.execute(
            """
            INSERT INTO verdicts (item_id, verdict, policy_version, findings, facts, job_id, duration_ms, created_at)
            VALUES (\(result.item.id), \(result.verdict.rawValue), \(result.policyVersion),
                \(try JSON.encode(result.findings)), \(try JSON.encode(result.facts)), \(jobId), \(durationMs),
                \(tx.now))
            """)
    }

    static func markSucceeded(_ claim: ClaimedJob, _ tx: Transaction) async throws {
        try await tx.execute(
            """
            UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                updated_at = \(tx.now)
            WHERE id = \(claim.job.id)
            """)
    }

    /// Fencing: locks the job row while the claim's lease token is current, else throws `leaseLost`. The lock is
    /// taken before any application row (the order every transaction keeps), and a claim racing to re-lease the
    /// job either commits first (this statement then re-reads the row and finds another token) or skips it.
    static func lockLease(_ claim: ClaimedJob, _ tx: Transaction) async throws {
        let holds = try await tx.row(
            """
            SELECT 1 FROM jobs WHERE id = \(claim.job.id) AND lease_token = \(claim.leaseToken) AND state = 'running'
            FOR UPDATE
            """)
        guard holds != nil else {
            throw StoreError(code: .leaseLost, message: "job \(claim.job.id): lease lost to another worker")
        }
    }

    public func fail(_ claim: ClaimedJob, error: String, retryAfter: Duration?) async throws {
        try await write { tx in
            try await Self.lockLease(claim, tx)
            let retries = JobRules.retries(
                afterFailedAttempt: claim.job.attempts, maxAttempts: claim.job.maxAttempts,
                isRetriable: retryAfter != nil)
            let state = retries ? JobState.retrying : .dead
            try await tx.execute(
                """
                UPDATE jobs SET state = \(state.rawValue), run_after = \(tx.now + (retryAfter?.seconds ?? 0)),
                    last_error = \(error), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                    updated_at = \(tx.now)
                WHERE id = \(claim.job.id)
                """)
            if !retries, let upload = claim.upload, let application = upload.applicationId {
                _ = try await Self.lockApplication(id: application, tx)
                try await Self.append(.uploadFailed, application: application, upload: upload.id, tx)
            }
        }
    }

    /// Fenced by the statement's `WHERE`: a job whose token changed is not updated. Calls that arrive together
    /// share one statement and one commit (`GroupCommit`).
    public func succeed(_ claim: ClaimedJob) async throws {
        let holds = try await completions.submit(claim) { claims in
            let now = self.injectedNow
            let rows = try await self.rows(
                """
                UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                    updated_at = intake_now(\(now))
                FROM unnest(\(claims.map(\.job.id))::text[], \(claims.map(\.leaseToken))::text[]) AS done(id, token)
                WHERE jobs.id = done.id AND jobs.lease_token = done.token AND jobs.state = 'running'
                RETURNING jobs.id
                """)
            let succeeded = Set(try rows.map { try $0.value("id", String.self) })
            return claims.map { succeeded.contains($0.job.id) }
        }
        guard holds else {
            throw StoreError(code: .leaseLost, message: "job \(claim.job.id): lease lost to another worker")
        }
    }

    public func unfinishedJobs() async throws -> UnfinishedJobs {
        try await read(needsNow: true) { tx in
            let row = try await tx.row(
                """
                SELECT COUNT(*) AS count,
                       MIN(CASE WHEN state = 'running' THEN lease_expires_at ELSE run_after END) AS next_due
                FROM jobs WHERE state IN ('queued', 'retrying', 'running')
                """)
            let nextDue: Double? = try row?.value("next_due")
            return UnfinishedJobs(
                count: try row?.value("count") ?? 0,
                nextDueIn: nextDue.map { Duration.milliseconds(Int64(max(0, $0 - tx.now) * 1000)) })
        }
    }

    public func unfinishedJobs(kind: JobKind) async throws -> Int {
        try await rows(
            """
            SELECT COUNT(*) AS count FROM jobs
            WHERE kind = \(kind.rawValue) AND state IN ('queued', 'running', 'retrying')
            """
        ).first?.value("count") ?? 0
    }

    public func jobs(in state: JobState, limit: Int) async throws -> [JobRecord] {
        try await rows(
            "SELECT * FROM jobs WHERE state = \(state.rawValue) ORDER BY updated_at DESC, id LIMIT \(limit)"
        ).map(JobRecord.init(row:))
    }

    public func retry(jobId: String) async throws -> Bool {
        try await write { tx in
            let retried =
                try await tx.execute(
                    """
                    UPDATE jobs SET state = 'queued', attempts = 0, run_after = \(tx.now), updated_at = \(tx.now)
                    WHERE id = \(jobId) AND state = 'dead'
                    RETURNING 1
                    """) == 1
            if retried { try await Self.notifyJobQueued(tx) }
            return retried
        }
    }

    public func jobCounts() async throws -> [JobState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        for row in try await rows("SELECT state, COUNT(*) AS count FROM jobs GROUP BY state") {
            if let state = JobState(rawValue: try row.value("state")) { counts[state] = try row.value("count") }
        }
        return counts
    }
}

extension PostgresStore {
    /// The channel a transaction that queues a claimable job notifies; PostgreSQL delivers it on commit.
    static let jobsChannel = "intake_jobs"

    static func notifyJobQueued(_ tx: Transaction) async throws {
        try await tx.execute("SELECT pg_notify(\(jobsChannel), '')")
    }

    /// Calls `onJobQueued` each time any process commits a new claimable job, until the task is cancelled or the
    /// connection fails (then it throws, and the caller listens again). It is also called once as soon as the
    /// listening starts, since a job queued just before could not be announced to this listener.
    /// Notifications are a hint, never the only way a job is found: workers still poll.
    public func listenForQueuedJobs(_ onJobQueued: @escaping @Sendable () -> Void) async throws {
        try await mapped {
            try await client.withConnection { connection in
                try await connection.listen(on: Self.jobsChannel) { notifications in
                    onJobQueued()
                    for try await _ in notifications { onJobQueued() }
                }
            }
        }
    }
}
