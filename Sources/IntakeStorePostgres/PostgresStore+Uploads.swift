import IntakeCore
import IntakeStore
import PostgresNIO

extension PostgresStore {
    public func submit(
        _ new: NewUpload, maxAttempts: Int, decide: @escaping @Sendable (CaseSnapshot?) -> SubmissionDecision
    ) async throws -> SubmitOutcome {
        try await write { tx in
            // Two first submissions may race to create the application: the loser's insert waits for the
            // winner's commit and inserts nothing, and it decides again against the application as created.
            while true {
                let existing = try await Self.lockApplication(id: new.applicationId, tx)
                let application: ApplicationRecord
                switch decide(try await existing.asyncMap { try await Self.snapshot(of: $0, copiesOf: nil, tx) }) {
                case .refuse(let finding):
                    return .refused(finding)
                case .accept:
                    guard let existing else {
                        throw StoreError(
                            code: .integrity, message: "a submission was accepted for a missing application")
                    }
                    application = existing
                case .create(let receipt):
                    guard existing == nil else {
                        throw StoreError(
                            code: .integrity, message: "a submission would create an existing application")
                    }
                    switch try await Self.createApplication(
                        id: new.applicationId, owner: new.uploader, receipt: receipt, tx)
                    {
                    case .created(let created): application = created
                    case .receiptTaken: return .refused(.receiptTaken(receipt: receipt ?? ""))
                    case .raced: continue
                    }
                }
                return .recorded(try await Self.record(new, in: application, maxAttempts: maxAttempts, tx))
            }
        }
    }

    /// Records the upload and its job, or finds the same file already recorded for this application and slot.
    private static func record(_ new: NewUpload, in application: ApplicationRecord, maxAttempts: Int, _ tx: Transaction)
        async throws -> SubmitResult
    {
        let key = IdempotencyKey.upload(application: new.applicationId, slot: new.slot, sha256: new.sha256)
        let upload = UploadRecord(
            id: Identifier.make("U"), applicationId: new.applicationId, requestedReceipt: nil, round: 0,
            slot: new.slot, fileName: new.fileName, sha256: new.sha256, bytes: new.bytes, uploader: new.uploader,
            idempotencyKey: key, bundle: new.bundle, createdAt: tx.now)
        // The application row is locked, so no other submission to it can insert this key meanwhile.
        if let existing = try await tx.row("SELECT * FROM uploads WHERE idempotency_key = \(key)") {
            let first = try UploadRecord(row: existing)
            if let job = try await tx.row(
                "SELECT * FROM jobs WHERE upload_id = \(first.id) ORDER BY created_at LIMIT 1")
            {
                return SubmitResult(
                    upload: first, job: try JobRecord(row: job), receipt: application.receipt, duplicate: true)
            }
        }
        try await insert(upload, tx)
        let job = try await enqueue(upload, maxAttempts: maxAttempts, tx)
        try await append(.uploadReceived, application: application.id, upload: upload.id, tx)
        return SubmitResult(upload: upload, job: job, receipt: application.receipt, duplicate: false)
    }

    /// The application, locked until the transaction ends, or nil when there is none.
    static func lockApplication(id: String, _ tx: Transaction) async throws -> ApplicationRecord? {
        try await tx.row("SELECT * FROM applications WHERE id = \(id) FOR UPDATE").map(ApplicationRecord.init(row:))
    }

    static func lockApplication(receipt: String, _ tx: Transaction) async throws -> ApplicationRecord? {
        try await tx.row("SELECT * FROM applications WHERE receipt = \(receipt) FOR UPDATE").map(
            ApplicationRecord.init(row:))
    }

    enum Creation {
        case created(ApplicationRecord)
        /// The receipt given is another application's.
        case receiptTaken
        /// Another transaction created this application first.
        case raced
    }

    /// A new application owned by its first uploader, under the given receipt or a fresh one (`CalendarDay`'s rule,
    /// drawn again on the rare collision). `ON CONFLICT DO NOTHING` waits for a racing insert of the same id or
    /// receipt to commit, then inserts nothing, instead of failing the transaction.
    private static func createApplication(id: String, owner: String, receipt: String?, _ tx: Transaction)
        async throws -> Creation
    {
        let day = CalendarDay(japanTime: tx.now)
        while true {
            let assigned = receipt ?? day.receiptNumber()
            let inserted = try await tx.row(
                """
                INSERT INTO applications (id, receipt, owner, status, round, created_at)
                VALUES (\(id), \(assigned), \(owner), \(CaseState.underReview.rawValue), 0, \(tx.now))
                ON CONFLICT DO NOTHING RETURNING *
                """)
            if let inserted {
                try await recordCaseEvent(
                    "created", application: id, actor: owner, detail: "receipt \(assigned)", tx)
                return .created(try ApplicationRecord(row: inserted))
            }
            if try await tx.row("SELECT 1 FROM applications WHERE id = \(id)") != nil { return .raced }
            if receipt != nil { return .receiptTaken }
        }
    }

    /// What the case rules need of an application; with `copiesOf`, its earlier uploads of that file.
    static func snapshot(of application: ApplicationRecord, copiesOf sha256: String?, _ tx: Transaction)
        async throws -> CaseSnapshot
    {
        let grantees = try await tx.rows(
            "SELECT uploader FROM case_grants WHERE application_id = \(application.id)"
        ).map { try $0.value("uploader", String.self) }
        var copies: [ExistingCopy] = []
        if let sha256 {
            copies = try await tx.rows(
                """
                SELECT u.id AS id, EXISTS (
                    SELECT 1 FROM items i
                    JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                    WHERE i.upload_id = u.id AND v.verdict = 'rejected') AS rejected
                FROM uploads u WHERE u.application_id = \(application.id) AND u.sha256 = \(sha256)
                ORDER BY u.created_at, u.id
                """
            ).map { ExistingCopy(uploadId: try $0.value("id"), isRejected: try $0.value("rejected")) }
        }
        return CaseSnapshot(
            owner: application.owner, grantees: Set(grantees), state: application.status,
            receipt: application.receipt, copies: copies)
    }

    static func insert(_ upload: UploadRecord, _ tx: Transaction) async throws {
        let bundle = try upload.bundle.map { try JSON.encode($0) }
        try await tx.execute(
            """
            INSERT INTO uploads (id, application_id, requested_receipt, round, slot, file_name, sha256, bytes,
                uploader, idempotency_key, bundle, created_at)
            VALUES (\(upload.id), \(upload.applicationId), \(upload.requestedReceipt), \(upload.round),
                \(upload.slot.rawValue), \(upload.fileName), \(upload.sha256), \(upload.bytes), \(upload.uploader),
                \(upload.idempotencyKey), \(bundle), \(upload.createdAt))
            """)
    }

    static func enqueue(_ upload: UploadRecord, maxAttempts: Int, _ tx: Transaction) async throws -> JobRecord {
        let job = JobRecord(
            id: Identifier.make("J"), kind: .processUpload, uploadId: upload.id, applicationId: upload.applicationId,
            state: .queued, priority: JobPriority.live, attempts: 0, maxAttempts: maxAttempts, runAfter: tx.now,
            createdAt: tx.now, updatedAt: tx.now)
        try await insert(job, tx)
        return job
    }

    static func insert(_ job: JobRecord, _ tx: Transaction) async throws {
        try await tx.execute(
            """
            INSERT INTO jobs (id, kind, payload, upload_id, application_id, state, priority, attempts, max_attempts,
                run_after, lease_owner, lease_token, lease_expires_at, last_error, created_at, updated_at)
            VALUES (\(job.id), \(job.kind.rawValue), \(job.payload), \(job.uploadId), \(job.applicationId),
                \(job.state.rawValue), \(job.priority), \(job.attempts), \(job.maxAttempts), \(job.runAfter),
                \(job.leaseOwner), \(job.leaseToken), \(job.leaseExpiresAt), \(job.lastError), \(job.createdAt),
                \(job.updatedAt))
            """)
        try await notifyJobQueued(tx)
    }

    /// Appends to a case's audit trail.
    static func recordCaseEvent(
        _ kind: String, application: String?, actor: String, upload: String? = nil, detail: String,
        _ tx: Transaction
    ) async throws {
        try await tx.execute(
            """
            INSERT INTO case_events (application_id, kind, actor, upload_id, detail, at)
            VALUES (\(application), \(kind), \(actor), \(upload), \(detail), \(tx.now))
            """)
    }

    /// Appends an application event in the transaction of the change it reports, and enqueues its delivery to
    /// every webhook subscribed to its kind in the same transaction. The caller holds the application's row lock,
    /// which orders the application's event ids by commit.
    static func append(_ kind: EventKind, application: String, upload: String?, _ tx: Transaction) async throws {
        guard
            let row = try await tx.row(
                """
                INSERT INTO events (application_id, kind, upload_id, at)
                VALUES (\(application), \(kind.rawValue), \(upload), \(tx.now)) RETURNING id
                """)
        else { throw StoreError(code: .integrity, message: "an event insert returned no id") }
        let event: Int64 = try row.value("id")
        for webhook in try await tx.rows("SELECT id FROM webhooks WHERE events::jsonb ? \(kind.rawValue)") {
            let delivery = WebhookDelivery(webhook: try webhook.value("id"), event: event)
            try await insert(
                JobRecord(
                    id: Identifier.make("J"), kind: .deliverWebhook, payload: try JSON.encode(delivery),
                    applicationId: application, state: .queued, priority: JobPriority.webhook, attempts: 0,
                    maxAttempts: WebhookRules.maxAttempts, runAfter: tx.now, createdAt: tx.now, updatedAt: tx.now), tx)
        }
    }

    // MARK: Reads

    public func application(id: String) async throws -> ApplicationRecord? {
        try await rows("SELECT * FROM applications WHERE id = \(id)").first.map(ApplicationRecord.init(row:))
    }

    public func applicationIds() async throws -> [String] {
        try await rows("SELECT id FROM applications ORDER BY created_at DESC, id").map { try $0.value("id") }
    }

    public func trialApplications() async throws -> [TrialApplication] {
        try await rows(
            """
            SELECT SUM(u.bytes)::bigint AS bytes, MAX(u.bytes) AS largest, COUNT(*) AS files,
                   SUM(COALESCE(p.pages, 0))::bigint AS pages, MIN(a.created_at) AS submitted
            FROM uploads u
            JOIN applications a ON a.id = u.application_id
            LEFT JOIN (SELECT upload_id, SUM(last_page - first_page + 1)::bigint AS pages
                       FROM items GROUP BY upload_id) p ON p.upload_id = u.id
            WHERE u.slot IN ('photo', 'attachment')
            GROUP BY u.application_id
            """
        ).map { row in
            TrialApplication(
                bytes: try row.value("bytes"), largestFile: try row.value("largest"), files: try row.value("files"),
                pages: try row.value("pages"), submittedAt: try row.value("submitted"))
        }
    }

    public func processingSamples(limit: Int) async throws -> [(bytes: Int64, pages: Int, seconds: Double)] {
        try await rows(
            """
            SELECT i.bytes AS bytes, COALESCE(i.last_page - i.first_page + 1, 0) AS pages, v.duration_ms AS ms
            FROM verdicts v JOIN items i ON i.id = v.item_id
            WHERE v.duration_ms IS NOT NULL ORDER BY v.id DESC LIMIT \(limit)
            """
        ).map { row in
            (
                bytes: try row.value("bytes"), pages: try row.value("pages"),
                seconds: try row.value("ms", Double.self) / 1000
            )
        }
    }

    public func findingCounts(uploadedSince: Double) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await rows(
            """
            SELECT f->>'code' AS code, COUNT(DISTINCT i.id) AS items
            FROM uploads u
            JOIN items i ON i.upload_id = u.id
            JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
            CROSS JOIN jsonb_array_elements(v.findings::jsonb) f
            WHERE u.created_at >= \(uploadedSince)
            GROUP BY 1
            """)
        {
            counts[try row.value("code")] = try row.value("items")
        }
        return counts
    }

    public func job(id: String) async throws -> JobRecord? {
        try await rows("SELECT * FROM jobs WHERE id = \(id)").first.map(JobRecord.init(row:))
    }

    public func status(applicationId: String) async throws -> ApplicationStatus? {
        try await read { tx in try await Self.applicationStatus(applicationId, tx) }
    }

    static func applicationStatus(_ applicationId: String, _ tx: Transaction) async throws -> ApplicationStatus? {
        guard let row = try await tx.row("SELECT * FROM applications WHERE id = \(applicationId)") else {
            return nil
        }
        let application = try ApplicationRecord(row: row)
        var statuses: [UploadStatus] = []
        for upload in try await tx.rows(
            "SELECT * FROM uploads WHERE application_id = \(applicationId) ORDER BY created_at, id")
        {
            statuses.append(try await uploadStatus(try UploadRecord(row: upload), tx))
        }
        let usage = try await usage(applicationId: applicationId, excludingUpload: nil, round: application.round, tx)
        return ApplicationStatus(
            application: application, uploads: statuses.filter { $0.upload.slot != .additional },
            additional: statuses.filter { $0.upload.slot == .additional }, usage: usage)
    }

    public func status(uploadId: String) async throws -> UploadStatus? {
        try await read { tx in
            guard let row = try await tx.row("SELECT * FROM uploads WHERE id = \(uploadId)") else { return nil }
            return try await Self.uploadStatus(try UploadRecord(row: row), tx)
        }
    }

    private static func uploadStatus(_ upload: UploadRecord, _ tx: Transaction) async throws -> UploadStatus {
        let job = try await tx.row(
            "SELECT * FROM jobs WHERE upload_id = \(upload.id) ORDER BY created_at DESC LIMIT 1"
        ).map(JobRecord.init(row:))
        let items = try await tx.rows("SELECT * FROM items WHERE upload_id = \(upload.id) ORDER BY ordinal")
        var statuses: [ItemStatus] = []
        for row in items {
            let item = try ItemRecord(row: row)
            let verdicts = try await tx.rows(
                """
                SELECT *, COUNT(*) OVER () AS history FROM verdicts WHERE item_id = \(item.id)
                ORDER BY id DESC LIMIT 1
                """)
            statuses.append(
                ItemStatus(
                    item: item, latest: try verdicts.first.map(VerdictRecord.init(row:)),
                    history: try verdicts.first?.value("history", Int.self) ?? 0))
        }
        return UploadStatus(upload: upload, job: job, items: statuses)
    }

    /// What an application holds, by each item's latest verdict: accepted original bytes, accepted attachment
    /// uploads, and accepted additional bytes of one request round.
    static func usage(applicationId: String, excludingUpload: String?, round: Int, _ tx: Transaction) async throws
        -> ApplicationUsage
    {
        let row = try await tx.row(
            """
            SELECT COALESCE(SUM(CASE WHEN u.slot IN ('photo', 'attachment') THEN i.bytes END), 0)::bigint AS original,
                   COUNT(DISTINCT CASE WHEN u.slot = 'attachment' THEN u.id END) AS attachments,
                   COALESCE(SUM(CASE WHEN u.slot = 'additional' AND u.round = \(round) THEN i.bytes END), 0)::bigint
                       AS additional
            FROM items i
            JOIN uploads u ON u.id = i.upload_id
            JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
            WHERE u.application_id = \(applicationId) AND u.id IS DISTINCT FROM \(excludingUpload)
              AND v.verdict = 'accepted'
            """)
        return ApplicationUsage(
            acceptedOriginalBytes: try row?.value("original") ?? 0,
            acceptedAttachments: try row?.value("attachments") ?? 0,
            acceptedAdditionalBytesThisRound: try row?.value("additional") ?? 0)
    }
}

extension Optional {
    func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
