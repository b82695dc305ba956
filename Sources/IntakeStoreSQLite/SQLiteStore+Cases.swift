import GRDB
import IntakeCore
import IntakeStore

extension SQLiteStore {
    public func add(
        _ document: NewAdditional, maxAttempts: Int, policyVersion: String,
        decide: @escaping @Sendable (CaseSnapshot?) -> CaseDecision
    ) async throws -> AddOutcome {
        try await write { [clock] db in
            let now = clock()
            let application = try ApplicationRecord.filter(Column("receipt") == document.receipt).fetchOne(db)
            let snapshot = try application.map { try Self.snapshot(of: $0, copiesOf: document.sha256, db) }
            switch decide(snapshot) {
            case .refuse(let finding):
                let upload = UploadRecord(
                    id: Identifier.make("U"), applicationId: nil, requestedReceipt: document.receipt, round: 0,
                    slot: .additional, fileName: document.fileName, sha256: document.sha256, bytes: document.bytes,
                    uploader: document.uploader, idempotencyKey: IdempotencyKey.refused(nonce: Identifier.make("K")),
                    bundle: nil, createdAt: now)
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
            case .alreadyLinked(let uploadId):
                guard let existing = try UploadRecord.fetchOne(db, key: uploadId) else {
                    throw StoreError(code: .integrity, message: "upload \(uploadId) is gone")
                }
                return .alreadyLinked(existing)
            case .accept:
                guard let application else {
                    throw StoreError(code: .integrity, message: "a document was accepted for a missing case")
                }
                let upload = UploadRecord(
                    id: Identifier.make("U"), applicationId: application.id, requestedReceipt: document.receipt,
                    round: application.round, slot: .additional, fileName: document.fileName,
                    sha256: document.sha256, bytes: document.bytes, uploader: document.uploader,
                    idempotencyKey: IdempotencyKey.additional(
                        application: application.id, sha256: document.sha256, nonce: Identifier.make("K")),
                    bundle: document.bundle, createdAt: now)
                try upload.insert(db)
                let job = try Self.enqueue(upload, maxAttempts: maxAttempts, now: now, db)
                try Self.append(.uploadReceived, application: application.id, upload: upload.id, now: now, db)
                try Self.record(
                    event: "linked", application: application.id, actor: document.uploader, upload: upload.id,
                    detail: "\(document.fileName) (round \(application.round))", now: now, db)
                return .linked(upload, job)
            }
        }
    }

    public func setCaseState(
        receipt: String, actor: String, decide: @escaping @Sendable (CaseState) -> CaseTransition
    ) async throws -> CaseStateOutcome {
        try await write { [clock] db in
            let now = clock()
            guard var application = try ApplicationRecord.filter(Column("receipt") == receipt).fetchOne(db) else {
                return .notFound
            }
            let previous = application.status
            switch decide(previous) {
            case .refuse(let finding):
                return .refused(finding)
            case .move(let state, let opensRound):
                if opensRound { application.round += 1 }
                application.status = state
                try application.update(db)
                try Self.record(
                    event: "state", application: application.id, actor: actor,
                    detail: "\(previous.rawValue) → \(state.rawValue)", now: now, db)
                try Self.append(.caseStateChanged, application: application.id, upload: nil, now: now, db)
                return .moved(application)
            }
        }
    }

    public func grant(receipt: String, uploader: String, actor: String) async throws -> Bool {
        try await write { [clock] db in
            let now = clock()
            guard let application = try ApplicationRecord.filter(Column("receipt") == receipt).fetchOne(db) else {
                return false
            }
            let grant = CaseGrantRecord(
                applicationId: application.id, uploader: uploader, grantedBy: actor, grantedAt: now)
            try grant.insert(db, onConflict: .ignore)
            try Self.record(event: "granted", application: application.id, actor: actor, detail: uploader, now: now, db)
            return true
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
