import GRDB
import IntakeCore

extension SQLiteStore {
    public func add(
        _ document: NewAdditional, now: Double, maxAttempts: Int, policyVersion: String,
        decide: @escaping @Sendable (CaseSnapshot?) -> CaseDecision
    ) async throws -> AddOutcome {
        try await write { db in
            let application = try ApplicationRecord.filter(Column("receipt") == document.receipt).fetchOne(db)
            let snapshot = try application.map { application in
                CaseSnapshot(
                    owner: application.owner,
                    grantees: Set(
                        try String.fetchAll(
                            db, sql: "SELECT uploader FROM case_grants WHERE application_id = ?",
                            arguments: [application.id])),
                    state: application.status)
            }
            switch decide(snapshot) {
            case .refuse(let finding):
                let upload = UploadRecord(
                    id: Identifiers.make("U"), applicationId: nil, requestedReceipt: document.receipt, round: 0,
                    slot: .additional, fileName: document.fileName, sha256: document.sha256, bytes: document.bytes,
                    uploader: document.uploader, idempotencyKey: "refused|\(Identifiers.make("K"))", bundle: nil,
                    createdAt: now)
                try upload.insert(db)
                let item = ItemRecord(
                    id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName, firstPage: nil,
                    lastPage: nil, sha256: upload.sha256, bytes: upload.bytes)
                try item.insert(db)
                var verdict = VerdictRecord(
                    id: nil, itemId: item.id, verdict: .rejected, policyVersion: policyVersion, findings: [finding],
                    facts: FileFacts(mime: "", bytes: upload.bytes, sha256: upload.sha256), jobId: nil,
                    durationMs: nil, createdAt: now)
                try verdict.insert(db)
                try Self.record(
                    event: "refused", application: application?.id, actor: document.uploader, upload: upload.id,
                    detail: finding.code.rawValue, now: now, db)
                return .refused(upload, finding)
            case .accept:
                let application = application!
                // Already there means accepted or still pending: a copy that was rejected (over a limit, say) may
                // be sent again as an additional document, as the rejection message itself advises.
                if let existing = try UploadRecord.fetchOne(
                    db,
                    sql: """
                        SELECT u.* FROM uploads u
                        WHERE u.application_id = ? AND u.sha256 = ?
                          AND NOT EXISTS (
                              SELECT 1 FROM items i
                              JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts WHERE item_id = i.id)
                              WHERE i.upload_id = u.id AND v.verdict = 'rejected')
                        ORDER BY u.created_at LIMIT 1
                        """, arguments: [application.id, document.sha256])
                {
                    return .alreadyLinked(existing)
                }
                let upload = UploadRecord(
                    id: Identifiers.make("U"), applicationId: application.id, requestedReceipt: document.receipt,
                    round: application.round, slot: .additional, fileName: document.fileName,
                    sha256: document.sha256, bytes: document.bytes, uploader: document.uploader,
                    idempotencyKey: "\(application.id)|additional|\(document.sha256)|\(Identifiers.make("K"))",
                    bundle: document.bundle, createdAt: now)
                try upload.insert(db)
                let job = try Self.enqueue(upload, maxAttempts: maxAttempts, now: now, db)
                try Self.record(
                    event: "linked", application: application.id, actor: document.uploader, upload: upload.id,
                    detail: "\(document.fileName) (round \(application.round))", now: now, db)
                return .linked(upload, job)
            }
        }
    }

    public func setCaseState(receipt: String, to state: CaseState, actor: String, now: Double) async throws
        -> ApplicationRecord
    {
        try await write { db in
            guard var application = try ApplicationRecord.filter(Column("receipt") == receipt).fetchOne(db) else {
                throw StoreError(code: .notFound, message: "no case with receipt \(receipt)")
            }
            guard application.status != .closed || state == .closed else {
                throw StoreError(code: .invalidTransition, message: "case \(receipt) is closed and stays closed")
            }
            let previous = application.status
            if state == .awaitingAdditional && previous != .awaitingAdditional { application.round += 1 }
            application.status = state
            try application.update(db)
            try Self.record(
                event: "state", application: application.id, actor: actor,
                detail: "\(previous.rawValue) → \(state.rawValue)", now: now, db)
            return application
        }
    }

    public func grant(receipt: String, uploader: String, actor: String, now: Double) async throws {
        try await write { db in
            guard let application = try ApplicationRecord.filter(Column("receipt") == receipt).fetchOne(db) else {
                throw StoreError(code: .notFound, message: "no case with receipt \(receipt)")
            }
            let grant = CaseGrantRecord(applicationId: application.id, uploader: uploader, grantedBy: actor, grantedAt: now)
            try grant.insert(db, onConflict: .ignore)
            try Self.record(event: "granted", application: application.id, actor: actor, detail: uploader, now: now, db)
        }
    }

    public func caseView(receipt: String) async throws -> CaseView? {
        try await read { db in
            guard let application = try ApplicationRecord.filter(Column("receipt") == receipt).fetchOne(db),
                let status = try Self.applicationStatus(application.id, db)
            else { return nil }
            let grants = try CaseGrantRecord.filter(Column("application_id") == application.id)
                .order(Column("granted_at")).fetchAll(db)
            let events = try CaseEventRecord.filter(Column("application_id") == application.id)
                .order(Column("id")).fetchAll(db)
            return CaseView(status: status, grants: grants, events: events)
        }
    }
}
