import Foundation
import GRDB
import Glibc
import IntakeCore
import IntakeStore

/// The embedded store: SQLite in WAL mode through GRDB, in the data folder.
///
/// Every write that must be atomic with another (an upload and its job; a verdict and its job's completion)
/// happens in one `BEGIN IMMEDIATE` transaction. SQLite has a single writer, so that is also what makes each
/// decision see every commit before it, the isolation `IntakeStorage` asks for; several worker processes on one data
/// folder serialise cleanly instead of failing to upgrade a read lock.
///
/// Durability is chosen per kind of commit (`Durability`). Whatever changes what an applicant or an admin was
/// told is durable (`synchronous = FULL`): an upload and its job once acknowledged, cases, tokens, webhooks, a
/// retry. The queue's own bookkeeping (claims, renewals, a job's completion or failure) is not fsynced
/// (`NORMAL`): a power cut may lose the last of those, which only runs their jobs again, with the same result
/// since jobs are idempotent. WAL appends in order, so the next durable commit makes every commit before it
/// durable too: what a power cut can lose is only the latest queue commits, never an acknowledged upload.
public final class SQLiteStore: IntakeStorage {
    private let database: DatabasePool
    /// Upload completions that arrive while one batch is being written go together in the next transaction.
    let uploadCompletions = GroupCommit<UploadCompletion, Bool>()
    /// Seconds since 1970: the store's clock, which alone decides leases, backoff and timestamps.
    let clock: @Sendable () -> Double

    /// The system's wall clock.
    public static let systemClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    /// Opens (creating and migrating if needed) the database at `path`. Processes that open a fresh database at
    /// once take turns through a lock file beside it, so only one creates the schema.
    public init(path: String, clock: @escaping @Sendable () -> Double = SQLiteStore.systemClock) throws {
        self.clock = clock
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try Self.withMigrationLock(path: path + ".lock") {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            return pool
        }
    }

    /// Runs `body` holding an exclusive `flock` on `path`, released when the descriptor closes.
    private static func withMigrationLock<T>(path: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(code: .database, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw StoreError(code: .database, message: "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        return try body()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "applications") { table in
                table.primaryKey("id", .text)
                table.column("receipt", .text).notNull().unique()
                table.column("owner", .text).notNull()
                table.column("status", .text).notNull()
                table.column("round", .integer).notNull().defaults(to: 0)
                table.column("created_at", .double).notNull()
            }
            try db.create(table: "case_grants") { table in
                table.column("application_id", .text).notNull().references("applications")
                table.column("uploader", .text).notNull()
                table.column("granted_by", .text).notNull()
                table.column("granted_at", .double).notNull()
                table.primaryKey(["application_id", "uploader"])
            }
            try db.create(table: "case_events") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("application_id", .text).indexed()
                table.column("kind", .text).notNull()
                table.column("actor", .text).notNull()
                table.column("upload_id", .text)
                table.column("detail", .text).notNull()
                table.column("at", .double).notNull()
            }
            try db.create(table: "uploads") { table in
                table.primaryKey("id", .text)
                table.column("application_id", .text).indexed().references("applications")
                table.column("requested_receipt", .text)
                table.column("round", .integer).notNull().defaults(to: 0)
                table.column("slot", .text).notNull()
                table.column("file_name", .text).notNull()
                table.column("sha256", .text).notNull()
                table.column("bytes", .integer).notNull()
                table.column("uploader", .text).notNull()
                table.column("idempotency_key", .text).notNull().unique()
                table.column("bundle", .text)
                table.column("created_at", .double).notNull()
            }
            try db.create(index: "uploads_by_content", on: "uploads", columns: ["application_id", "sha256"])
            try db.create(table: "items") { table in
                table.primaryKey("id", .text)
                table.column("upload_id", .text).notNull().references("uploads")
                table.column("ordinal", .integer).notNull()
                table.column("title", .text).notNull()
                table.column("document_type", .text)
                table.column("first_page", .integer)
                table.column("last_page", .integer)
                table.column("sha256", .text).notNull()
                table.column("bytes", .integer).notNull()
                table.uniqueKey(["upload_id", "ordinal"])
            }
            try db.create(table: "verdicts") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("item_id", .text).notNull().indexed().references("items")
                table.column("verdict", .text).notNull()
                table.column("policy_version", .text).notNull()
                table.column("findings", .text).notNull()
                table.column("facts", .text).notNull()
                table.column("job_id", .text)
                table.column("duration_ms", .double)
                table.column("created_at", .double).notNull()
            }
            try db.create(table: "jobs") { table in
                table.primaryKey("id", .text)
                table.column("kind", .text).notNull()
                table.column("upload_id", .text).indexed().references("uploads")
                table.column("application_id", .text).indexed()
                table.column("state", .text).notNull()
                table.column("priority", .integer).notNull()
                table.column("attempts", .integer).notNull()
                table.column("max_attempts", .integer).notNull()
                table.column("run_after", .double).notNull()
                table.column("lease_owner", .text)
                table.column("lease_token", .text)
                table.column("lease_expires_at", .double)
                table.column("last_error", .text)
                table.column("created_at", .double).notNull()
                table.column("updated_at", .double).notNull()
            }
            try db.create(index: "jobs_claimable", on: "jobs", columns: ["state", "priority", "run_after"])
        }
        migrator.registerMigration("v2: job payloads") { db in
            try db.alter(table: "jobs") { table in table.add(column: "payload", .text) }
        }
        migrator.registerMigration("v3: API tokens") { db in
            try db.create(table: "tokens") { table in
                table.primaryKey("id", .text)
                table.column("secret_hash", .text).notNull().unique()
                table.column("uploader", .text).notNull()
                table.column("scope", .text).notNull()
                table.column("created_at", .double).notNull()
                table.column("expires_at", .double)
                table.column("revoked_at", .double)
            }
        }
        migrator.registerMigration("v4: idempotency keys") { db in
            try db.create(table: "idempotency_keys") { table in
                table.column("uploader", .text).notNull()
                table.column("key", .text).notNull()
                table.column("response", .text).notNull()
                table.column("created_at", .double).notNull().indexed()
                table.primaryKey(["uploader", "key"])
            }
        }
        migrator.registerMigration("v5: application events") { db in
            try db.create(table: "events") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("application_id", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("upload_id", .text)
                table.column("at", .double).notNull()
            }
            try db.create(index: "events_by_application", on: "events", columns: ["application_id", "id"])
        }
        migrator.registerMigration("v6: webhooks") { db in
            try db.create(table: "webhooks") { table in
                table.primaryKey("id", .text)
                table.column("url", .text).notNull()
                table.column("events", .text).notNull()
                table.column("secret", .text).notNull()
                table.column("created_at", .double).notNull()
            }
        }
        migrator.registerMigration("v7: jobs in claim order") { db in
            // Each state's jobs in the order `claim` takes them, so a claim reads only the rows it takes. With the
            // one `jobs_claimable` index, every claim sorted every queued job: 0.3 ms with 1,000 queued, 30 ms with
            // 100,000.
            try db.execute(
                sql: "CREATE INDEX jobs_claim_order ON jobs(state, priority DESC, run_after, created_at, id)")
        }
        return migrator
    }

    /// How far a commit must have reached the disk before it returns.
    enum Durability {
        /// fsynced (`synchronous = FULL`): survives a power cut.
        case durable
        /// Written, not fsynced (`synchronous = NORMAL`): survives the process being killed, and a power cut
        /// only until the next durable commit or checkpoint.
        case queueBookkeeping
    }

    /// A write in a `BEGIN IMMEDIATE` transaction, with storage faults mapped to `StoreError`.
    func write<T: Sendable>(
        _ durability: Durability = .durable, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await database.writeWithoutTransaction { db in
                if durability == .queueBookkeeping {
                    // Set outside the transaction (SQLite ignores it inside one), and back before anything else
                    // writes on this connection.
                    try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
                }
                defer {
                    if durability == .queueBookkeeping {
                        try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
                    }
                }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw StoreError(databaseError: error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch let error as DatabaseError {
            throw StoreError(databaseError: error)
        }
    }

    // MARK: Uploads

    public func submit(
        _ new: NewUpload, maxAttempts: Int, decide: @escaping @Sendable (CaseSnapshot?) -> SubmissionDecision
    ) async throws -> SubmitOutcome {
        return try await write { [clock] db in
            let now = clock()
            let existing = try ApplicationRecord.fetchOne(db, key: new.applicationId)
            let application: ApplicationRecord
            switch decide(try existing.map { try Self.snapshot(of: $0, copiesOf: nil, db) }) {
            case .refuse(let finding):
                return .refused(finding)
            case .accept:
                guard let existing else {
                    throw StoreError(code: .integrity, message: "a submission was accepted for a missing application")
                }
                application = existing
            case .create(let receipt):
                guard existing == nil else {
                    throw StoreError(code: .integrity, message: "a submission would create an existing application")
                }
                // Receipts are unique: one taken by another application is the uploader's mistake, not a fault.
                if let receipt, try ApplicationRecord.filter(Column("receipt") == receipt).fetchCount(db) > 0 {
                    return .refused(.receiptTaken(receipt: receipt))
                }
                application = try Self.createApplication(
                    id: new.applicationId, owner: new.uploader, receipt: receipt, now: now, db)
            }
            let key = IdempotencyKey.upload(application: new.applicationId, slot: new.slot, sha256: new.sha256)
            if let existing = try UploadRecord.filter(Column("idempotency_key") == key).fetchOne(db),
                let job = try JobRecord.filter(Column("upload_id") == existing.id).order(Column("created_at")).fetchOne(
                    db)
            {
                return .recorded(
                    SubmitResult(upload: existing, job: job, receipt: application.receipt, duplicate: true))
            }
            let upload = UploadRecord(
                id: Identifier.make("U"), applicationId: new.applicationId, requestedReceipt: nil, round: 0,
                slot: new.slot, fileName: new.fileName, sha256: new.sha256, bytes: new.bytes, uploader: new.uploader,
                idempotencyKey: key, bundle: new.bundle, createdAt: now)
            try upload.insert(db)
            let job = try Self.enqueue(upload, maxAttempts: maxAttempts, now: now, db)
            try Self.append(.uploadReceived, application: application.id, upload: upload.id, now: now, db)
            return .recorded(SubmitResult(upload: upload, job: job, receipt: application.receipt, duplicate: false))
        }
    }

    /// A new application owned by its first uploader, under the given receipt or a fresh one (`CalendarDay`'s rule,
    /// drawn again on the rare collision).
    private static func createApplication(id: String, owner: String, receipt: String?, now: Double, _ db: Database)
        throws -> ApplicationRecord
    {
        let day = CalendarDay(japanTime: now)
        var assigned = receipt ?? day.receiptNumber()
        while receipt == nil, try ApplicationRecord.filter(Column("receipt") == assigned).fetchCount(db) > 0 {
            assigned = day.receiptNumber()
        }
        let application = ApplicationRecord(
            id: id, receipt: assigned, owner: owner, status: .underReview, round: 0, createdAt: now)
        try application.insert(db)
        try record(event: "created", application: id, actor: owner, detail: "receipt \(assigned)", now: now, db)
        return application
    }

    /// What the case rules need of an application; with `copiesOf`, its earlier uploads of that file.
    static func snapshot(of application: ApplicationRecord, copiesOf sha256: String?, _ db: Database) throws
        -> CaseSnapshot
    {
        let grantees = try String.fetchAll(
            db, sql: "SELECT uploader FROM case_grants WHERE application_id = ?", arguments: [application.id])
        var copies: [ExistingCopy] = []
        if let sha256 {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id AS id, EXISTS (
                        SELECT 1 FROM items i
                        JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                        WHERE i.upload_id = u.id AND v.verdict = 'rejected') AS rejected
                    FROM uploads u WHERE u.application_id = ? AND u.sha256 = ? ORDER BY u.created_at, u.id
                    """, arguments: [application.id, sha256])
            copies = rows.map { ExistingCopy(uploadId: $0["id"], isRejected: $0["rejected"]) }
        }
        return CaseSnapshot(
            owner: application.owner, grantees: Set(grantees), state: application.status,
            receipt: application.receipt, copies: copies)
    }

    public func application(id: String) async throws -> ApplicationRecord? {
        try await read { db in try ApplicationRecord.fetchOne(db, key: id) }
    }

    public func applicationIds() async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT id FROM applications ORDER BY created_at DESC, id")
        }
    }

    public func trialApplications() async throws -> [TrialApplication] {
        try await read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT SUM(u.bytes) AS bytes, MAX(u.bytes) AS largest, COUNT(*) AS files,
                           SUM(COALESCE(p.pages, 0)) AS pages, a.created_at AS submitted
                    FROM uploads u
                    JOIN applications a ON a.id = u.application_id
                    LEFT JOIN (SELECT upload_id, SUM(last_page - first_page + 1) AS pages
                               FROM items GROUP BY upload_id) p ON p.upload_id = u.id
                    WHERE u.slot IN ('photo', 'attachment')
                    GROUP BY u.application_id
                    """)
            var applications: [TrialApplication] = []
            while let row = try rows.next() {
                applications.append(
                    TrialApplication(
                        bytes: row["bytes"], largestFile: row["largest"], files: row["files"], pages: row["pages"],
                        submittedAt: row["submitted"]))
            }
            return applications
        }
    }

    public func findingCounts(uploadedSince: Double) async throws -> [String: Int] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT json_extract(f.value, '$.code') AS code, COUNT(DISTINCT i.id) AS items
                    FROM uploads u
                    JOIN items i ON i.upload_id = u.id
                    JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                    JOIN json_each(v.findings) f
                    WHERE u.created_at >= ?
                    GROUP BY code
                    """, arguments: [uploadedSince])
            var counts: [String: Int] = [:]
            for row in rows {
                let code: String = row["code"]
                counts[code] = row["items"]
            }
            return counts
        }
    }

    public func processingSamples(limit: Int) async throws -> [(bytes: Int64, pages: Int, seconds: Double)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT i.bytes AS bytes, COALESCE(i.last_page - i.first_page + 1, 0) AS pages, v.duration_ms AS ms
                    FROM verdicts v JOIN items i ON i.id = v.item_id
                    WHERE v.duration_ms IS NOT NULL ORDER BY v.id DESC LIMIT ?
                    """,
                arguments: [limit]
            ).map { row in (bytes: row["bytes"], pages: row["pages"], seconds: (row["ms"] as Double) / 1000) }
        }
    }

    public func job(id: String) async throws -> JobRecord? {
        try await read { db in try JobRecord.fetchOne(db, key: id) }
    }

    public func status(applicationId: String) async throws -> ApplicationStatus? {
        try await read { db in try Self.applicationStatus(applicationId, db) }
    }

    static func applicationStatus(_ applicationId: String, _ db: Database) throws -> ApplicationStatus? {
        guard let application = try ApplicationRecord.fetchOne(db, key: applicationId) else { return nil }
        let uploads = try UploadRecord.filter(Column("application_id") == applicationId)
            .order(Column("created_at"), Column("id")).fetchAll(db)
        let statuses = try uploads.map { try uploadStatus($0, db) }
        let usage = try usage(applicationId: applicationId, excludingUpload: nil, round: application.round, db)
        return ApplicationStatus(
            application: application, uploads: statuses.filter { $0.upload.slot != .additional },
            additional: statuses.filter { $0.upload.slot == .additional }, usage: usage)
    }

    public func status(uploadId: String) async throws -> UploadStatus? {
        try await read { db in
            guard let upload = try UploadRecord.fetchOne(db, key: uploadId) else { return nil }
            return try Self.uploadStatus(upload, db)
        }
    }

    private static func uploadStatus(_ upload: UploadRecord, _ db: Database) throws -> UploadStatus {
        let job = try JobRecord.filter(Column("upload_id") == upload.id).order(Column("created_at").desc).fetchOne(db)
        let items = try ItemRecord.filter(Column("upload_id") == upload.id).order(Column("ordinal")).fetchAll(db)
        let itemStatuses = try items.map { item in
            let latest = try VerdictRecord.filter(Column("item_id") == item.id).order(Column("id").desc).fetchOne(db)
            let history = try VerdictRecord.filter(Column("item_id") == item.id).fetchCount(db)
            return ItemStatus(item: item, latest: latest, history: history)
        }
        return UploadStatus(upload: upload, job: job, items: itemStatuses)
    }

    /// What an application holds, by each item's latest verdict: accepted original bytes, accepted attachment
    /// uploads, and accepted additional bytes of one request round.
    private static func usage(applicationId: String, excludingUpload: String?, round: Int, _ db: Database) throws
        -> ApplicationUsage
    {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COALESCE(SUM(CASE WHEN u.slot IN ('photo', 'attachment') THEN i.bytes END), 0) AS original,
                           COUNT(DISTINCT CASE WHEN u.slot = 'attachment' THEN u.id END) AS attachments,
                           COALESCE(SUM(CASE WHEN u.slot = 'additional' AND u.round = :round THEN i.bytes END), 0)
                               AS additional
                    FROM items i
                    JOIN uploads u ON u.id = i.upload_id
                    JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                    WHERE u.application_id = :application AND u.id IS NOT :excluded AND v.verdict = 'accepted'
                    """),
            arguments: ["application": applicationId, "excluded": excludingUpload, "round": round])
        return ApplicationUsage(
            acceptedOriginalBytes: row?["original"] ?? 0, acceptedAttachments: row?["attachments"] ?? 0,
            acceptedAdditionalBytesThisRound: row?["additional"] ?? 0)
    }

    static func enqueue(_ upload: UploadRecord, maxAttempts: Int, now: Double, _ db: Database) throws
        -> JobRecord
    {
        let job = JobRecord(
            id: Identifier.make("J"), kind: .processUpload, uploadId: upload.id,
            applicationId: upload.applicationId, state: .queued, priority: JobPriority.live,
            attempts: 0, maxAttempts: maxAttempts, runAfter: now, leaseOwner: nil, leaseToken: nil,
            leaseExpiresAt: nil, lastError: nil, createdAt: now, updatedAt: now)
        try job.insert(db)
        return job
    }

    static func record(
        event kind: String, application: String?, actor: String, upload: String? = nil, detail: String, now: Double,
        _ db: Database
    ) throws {
        var event = CaseEventRecord(
            id: nil, applicationId: application, kind: kind, actor: actor, uploadId: upload, detail: detail, at: now)
        try event.insert(db)
    }

    // MARK: Queue

    public func claim(worker: String, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        return try await write(.queueBookkeeping) { [clock] db in
            let now = clock()
            var claimed: [ClaimedJob] = []
            while claimed.count < limit {
                let candidates = try Self.claimCandidates(now: now, limit: limit - claimed.count, db)
                if candidates.isEmpty { break }
                for var job in candidates {
                    if job.state == .running {
                        switch JobRules.expiredLease(attempts: job.attempts, maxAttempts: job.maxAttempts) {
                        case .dead(let reason):
                            try db.cachedStatement(
                                sql: """
                                    UPDATE jobs SET state = 'dead', last_error = ?, lease_owner = NULL,
                                        lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?
                                    """
                            ).execute(arguments: [reason, now, job.id])
                            if let upload = job.uploadId, let application = job.applicationId {
                                try Self.append(.uploadFailed, application: application, upload: upload, now: now, db)
                            }
                            continue
                        case .reclaim:
                            job.lastError = "lease of \(job.leaseOwner ?? "?") expired; reclaimed"
                        }
                    }
                    job.state = .running
                    job.attempts += 1
                    job.leaseOwner = worker
                    job.leaseToken = Identifier.make("L")
                    job.leaseExpiresAt = now + lease.seconds
                    job.updatedAt = now
                    try db.cachedStatement(
                        sql: """
                            UPDATE jobs SET state = 'running', attempts = ?, lease_owner = ?, lease_token = ?,
                                lease_expires_at = ?, last_error = ?, updated_at = ? WHERE id = ?
                            """
                    ).execute(arguments: [
                        job.attempts, job.leaseOwner, job.leaseToken, job.leaseExpiresAt, job.lastError, now, job.id,
                    ])
                    var upload: UploadRecord?
                    if let uploadId = job.uploadId {
                        upload = try UploadRecord.fetchOne(
                            db.cachedStatement(sql: "SELECT * FROM uploads WHERE id = ?"), arguments: [uploadId])
                        guard upload != nil else {
                            throw StoreError(code: .integrity, message: "job \(job.id) names a missing upload")
                        }
                    }
                    claimed.append(ClaimedJob(job: job, upload: upload))
                }
            }
            return claimed
        }
    }

    /// The first `limit` jobs a claim may take, in claim order (priority, then due time, age and id): due queued
    /// and retrying jobs, and running jobs whose lease expired. One statement per state, each reading
    /// `jobs_claim_order` in order and stopping at `limit`, merged here; one statement with `OR` across the states
    /// sorted every queued job on every claim.
    static func claimCandidates(now: Double, limit: Int, _ db: Database) throws -> [JobRecord] {
        let order = "ORDER BY priority DESC, run_after, created_at, id LIMIT :limit"
        let arguments: StatementArguments = ["now": now, "limit": limit]
        var candidates: [JobRecord] = []
        for state in [JobState.queued, .retrying] {
            candidates += try JobRecord.fetchAll(
                db.cachedStatement(
                    sql: "SELECT * FROM jobs WHERE state = '\(state.rawValue)' AND run_after <= :now \(order)"),
                arguments: arguments)
        }
        candidates += try JobRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM jobs WHERE state = 'running' AND lease_expires_at < :now \(order)"),
            arguments: arguments)
        return Array(candidates.sorted(by: JobRecord.claimsBefore).prefix(limit))
    }

    public func renew(_ claim: ClaimedJob, lease: Duration) async throws -> Bool {
        return try await write(.queueBookkeeping) { [clock] db in
            let now = clock()
            try db.execute(
                sql: """
                    UPDATE jobs SET lease_expires_at = ?, updated_at = ?
                    WHERE id = ? AND lease_token = ? AND state = 'running'
                    """,
                arguments: [now + lease.seconds, now, claim.job.id, claim.leaseToken])
            return db.changesCount == 1
        }
    }

    /// Goes through `uploadCompletions`: completions that arrive together commit together.
    public func complete(_ claim: ClaimedJob, decide: @escaping @Sendable (ApplicationUsage) -> [ItemResult])
        async throws
    {
        let recorded = try await uploadCompletions.submit(UploadCompletion(claim: claim, decide: decide)) { batch in
            try await self.complete(batch)
        }
        guard recorded else {
            throw StoreError(code: .leaseLost, message: "job \(claim.job.id): lease lost to another worker")
        }
    }

    /// Records each completion in order in one transaction, as `complete` does one: false for one whose lease is
    /// lost, which writes nothing. Each `decide` reads the usage with the batch's earlier verdicts in it.
    func complete(_ batch: [UploadCompletion]) async throws -> [Bool] {
        try await write(.queueBookkeeping) { [clock] db in
            let now = clock()
            return try batch.map { completion in
                guard try Self.holdsLease(completion.claim, db) else { return false }
                try Self.record(completion, now: now, db)
                return true
            }
        }
    }

    private static func record(_ completion: UploadCompletion, now: Double, _ db: Database) throws {
        let claim = completion.claim
        guard let upload = claim.upload, let applicationId = upload.applicationId else {
            throw StoreError(code: .integrity, message: "job \(claim.job.id) is not for an upload of a case")
        }
        let usage = try Self.usage(applicationId: applicationId, excludingUpload: upload.id, round: upload.round, db)
        let results = completion.decide(usage)
        for result in results {
            try Self.upsert(result.item, db)
            try Self.insert(
                VerdictRecord(
                    id: nil, itemId: result.item.id, verdict: result.verdict, policyVersion: result.policyVersion,
                    findings: result.findings, facts: result.facts, jobId: claim.job.id,
                    durationMs: result.durationMs, createdAt: now),
                db)
        }
        let outcome = Verdict(items: results.map(\.verdict))
        try Self.append(
            outcome == .accepted ? .uploadAccepted : .uploadRejected, application: applicationId,
            upload: upload.id, now: now, db)
        try Self.markSucceeded(claim, now: now, db)
    }

    /// Appends an application event in the transaction of the change it reports, and enqueues its delivery to
    /// every webhook subscribed to its kind in the same transaction.
    static func append(_ kind: EventKind, application: String, upload: String?, now: Double, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO events (application_id, kind, upload_id, at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [application, kind.rawValue, upload, now])
        let eventId = db.lastInsertedRowID
        let webhooks = try WebhookRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM webhooks"))
        for webhook in webhooks where webhook.events.contains(kind) {
            let delivery = WebhookDelivery(webhook: webhook.id, event: eventId)
            try JobRecord(
                id: Identifier.make("J"), kind: .deliverWebhook,
                payload: String(decoding: try JSONEncoder().encode(delivery), as: UTF8.self),
                applicationId: application, state: .queued, priority: JobPriority.webhook, attempts: 0,
                maxAttempts: WebhookRules.maxAttempts, runAfter: now, createdAt: now, updatedAt: now
            ).insert(db)
        }
    }

    public func events(applicationId: String, after id: Int64, limit: Int) async throws -> [ApplicationEvent] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM events WHERE application_id = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [applicationId, id, limit]
            ).compactMap(Self.event)
        }
    }

    /// Writes an item (new, or again when a job runs a second time) through one cached statement: GRDB's record
    /// `upsert` builds and prepares its SQL on every call, which was a fifth of a completion's time.
    static func upsert(_ item: ItemRecord, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO items (id, upload_id, ordinal, title, document_type, first_page, last_page, sha256, bytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET upload_id = excluded.upload_id, ordinal = excluded.ordinal,
                    title = excluded.title, document_type = excluded.document_type, first_page = excluded.first_page,
                    last_page = excluded.last_page, sha256 = excluded.sha256, bytes = excluded.bytes
                """
        ).execute(arguments: [
            item.id, item.uploadId, item.ordinal, item.title, item.documentType, item.firstPage, item.lastPage,
            item.sha256, item.bytes,
        ])
    }

    /// Appends a verdict through one cached statement, with its findings and facts as the record's JSON columns.
    static func insert(_ verdict: VerdictRecord, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO verdicts
                    (item_id, verdict, policy_version, findings, facts, job_id, duration_ms, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            verdict.itemId, verdict.verdict.rawValue, verdict.policyVersion,
            try VerdictRecord.json(verdict.findings, column: "findings"),
            try VerdictRecord.json(verdict.facts, column: "facts"), verdict.jobId, verdict.durationMs,
            verdict.createdAt,
        ])
    }

    /// Appends a verdict whose facts are those of verdict `source`, copied as stored.
    static func insert(_ verdict: VerdictRecord, copyingFactsOf source: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO verdicts
                    (item_id, verdict, policy_version, findings, facts, job_id, duration_ms, created_at)
                SELECT ?, ?, ?, ?, facts, ?, ?, ? FROM verdicts WHERE id = ?
                """
        ).execute(arguments: [
            verdict.itemId, verdict.verdict.rawValue, verdict.policyVersion,
            try VerdictRecord.json(verdict.findings, column: "findings"), verdict.jobId, verdict.durationMs,
            verdict.createdAt, source,
        ])
        guard db.changesCount == 1 else {
            throw StoreError(code: .integrity, message: "verdict \(source) to copy facts from is missing")
        }
    }

    static func markSucceeded(_ claim: ClaimedJob, now: Double, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE jobs SET state = 'succeeded', lease_owner = NULL, lease_token = NULL,
                    lease_expires_at = NULL, updated_at = ? WHERE id = ?
                """
        ).execute(arguments: [now, claim.job.id])
    }

    public func fail(_ claim: ClaimedJob, error: String, retryAfter: Duration?) async throws {
        try await write(.queueBookkeeping) { [clock] db in
            let now = clock()
            try Self.assertLease(claim, db)
            let retries = JobRules.retries(
                afterFailedAttempt: claim.job.attempts, maxAttempts: claim.job.maxAttempts,
                isRetriable: retryAfter != nil)
            try db.execute(
                sql: """
                    UPDATE jobs SET state = ?, run_after = ?, last_error = ?, lease_owner = NULL, lease_token = NULL,
                        lease_expires_at = NULL, updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    retries ? JobState.retrying : .dead, now + (retryAfter?.seconds ?? 0), error, now, claim.job.id,
                ])
            if !retries, let upload = claim.upload, let application = upload.applicationId {
                try Self.append(.uploadFailed, application: application, upload: upload.id, now: now, db)
            }
        }
    }

    public func succeed(_ claim: ClaimedJob) async throws {
        try await write(.queueBookkeeping) { [clock] db in
            try Self.assertLease(claim, db)
            try Self.markSucceeded(claim, now: clock(), db)
        }
    }

    public func unfinishedJobs() async throws -> UnfinishedJobs {
        return try await read { [clock] db in
            let now = clock()
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS count,
                           MIN(CASE WHEN state = 'running' THEN lease_expires_at ELSE run_after END) AS next_due
                    FROM jobs WHERE state IN ('queued', 'retrying', 'running')
                    """)
            let nextDue: Double? = row?["next_due"]
            return UnfinishedJobs(
                count: row?["count"] ?? 0,
                nextDueIn: nextDue.map { Duration.milliseconds(Int64(max(0, $0 - now) * 1000)) })
        }
    }

    public func unfinishedJobs(kind: JobKind) async throws -> Int {
        try await read { db in
            try JobRecord.filter(
                Column("kind") == kind && [JobState.queued, .running, .retrying].contains(Column("state"))
            ).fetchCount(db)
        }
    }

    public func jobs(in state: JobState, limit: Int) async throws -> [JobRecord] {
        try await read { db in
            try JobRecord.filter(Column("state") == state).order(Column("updated_at").desc, Column("id"))
                .limit(limit).fetchAll(db)
        }
    }

    public func retry(jobId: String) async throws -> Bool {
        try await write { [clock] db in
            let now = clock()
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, updated_at = ?
                    WHERE id = ? AND state = 'dead'
                    """, arguments: [now, now, jobId])
            return db.changesCount == 1
        }
    }

    public func jobCounts() async throws -> [JobState: Int] {
        try await read { db in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS count FROM jobs GROUP BY state") {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["count"] }
            }
            return counts
        }
    }

    static func holdsLease(_ claim: ClaimedJob, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE id = ? AND lease_token = ? AND state = 'running'"),
            arguments: [claim.job.id, claim.leaseToken]) ?? false
    }

    static func assertLease(_ claim: ClaimedJob, _ db: Database) throws {
        guard try holdsLease(claim, db) else {
            throw StoreError(code: .leaseLost, message: "job \(claim.job.id): lease lost to another worker")
        }
    }
}

/// An upload job's results waiting in `uploadCompletions`: the claim that fences them, and how to decide them
/// from the application's usage inside the transaction that records them.
struct UploadCompletion: Sendable {
    var claim: ClaimedJob
    var decide: @Sendable (ApplicationUsage) -> [ItemResult]
}
