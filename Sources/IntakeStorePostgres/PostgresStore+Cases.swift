import IntakeCore
import IntakeStore
import PostgresNIO

extension PostgresStore {
    public func add(
        _ document: NewAdditional, maxAttempts: Int, policyVersion: String,
        decide: @escaping @Sendable (CaseSnapshot?) -> CaseDecision
    ) async throws -> AddOutcome {
        try await write { tx in
            // Locked so that the decision (the case's state, its earlier copies of this file) holds until commit.
            let application = try await Self.lockApplication(receipt: document.receipt, tx)
            let snapshot = try await application.asyncMap {
                try await Self.snapshot(of: $0, copiesOf: document.sha256, tx)
            }
            switch decide(snapshot) {
            case .refuse(let finding):
                let upload = UploadRecord(
                    id: Identifier.make("U"), applicationId: nil, requestedReceipt: document.receipt, round: 0,
                    slot: .additional, fileName: document.fileName, sha256: document.sha256, bytes: document.bytes,
                    uploader: document.uploader, idempotencyKey: IdempotencyKey.refused(nonce: Identifier.make("K")),
                    bundle: nil, createdAt: tx.now)
                try await Self.insert(upload, tx)
                let item = ItemRecord(
                    id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName, firstPage: nil,
                    lastPage: nil, sha256: upload.sha256, bytes: upload.bytes)
                try await Self.upsert(item, tx)
                try await Self.insertVerdict(
                    ItemResult(
                        item: item, verdict: .rejected, findings: [finding],
                        facts: FileFacts(mime: "", bytes: upload.bytes, sha256: upload.sha256),
                        policyVersion: policyVersion),
                    jobId: nil, durationMs: nil, tx)
                try await Self.recordCaseEvent(
                    "refused", application: application?.id, actor: document.uploader, upload: upload.id,
                    detail: finding.code.rawValue, tx)
                return .refused(upload, finding)
            case .alreadyLinked(let uploadId):
                guard let existing = try await tx.row("SELECT * FROM uploads WHERE id = \(uploadId)") else {
                    throw StoreError(code: .integrity, message: "upload \(uploadId) is gone")
                }
                return .alreadyLinked(try UploadRecord(row: existing))
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
                    bundle: document.bundle, createdAt: tx.now)
                try await Self.insert(upload, tx)
                let job = try await Self.enqueue(upload, maxAttempts: maxAttempts, tx)
                try await Self.append(.uploadReceived, application: application.id, upload: upload.id, tx)
                try await Self.recordCaseEvent(
                    "linked", application: application.id, actor: document.uploader, upload: upload.id,
                    detail: "\(document.fileName) (round \(application.round))", tx)
                return .linked(upload, job)
            }
        }
    }

    public func setCaseState(
        receipt: String, actor: String, decide: @escaping @Sendable (CaseState) -> CaseTransition
    ) async throws -> CaseStateOutcome {
        try await write { tx in
            guard var application = try await Self.lockApplication(receipt: receipt, tx) else { return .notFound }
            let previous = application.status
            switch decide(previous) {
            case .refuse(let finding):
                return .refused(finding)
            case .move(let state, let opensRound):
                if opensRound { application.round += 1 }
                application.status = state
                try await tx.execute(
                    """
                    UPDATE applications SET status = \(state.rawValue), round = \(application.round)
                    WHERE id = \(application.id)
                    """)
                try await Self.recordCaseEvent(
                    "state", application: application.id, actor: actor,
                    detail: "\(previous.rawValue) → \(state.rawValue)", tx)
                try await Self.append(.caseStateChanged, application: application.id, upload: nil, tx)
                return .moved(application)
            }
        }
    }

    public func grant(receipt: String, uploader: String, actor: String) async throws -> Bool {
        try await write { tx in
            guard let application = try await Self.lockApplication(receipt: receipt, tx) else { return false }
            try await tx.execute(
                """
                INSERT INTO case_grants (application_id, uploader, granted_by, granted_at)
                VALUES (\(application.id), \(uploader), \(actor), \(tx.now)) ON CONFLICT DO NOTHING
                """)
            try await Self.recordCaseEvent("granted", application: application.id, actor: actor, detail: uploader, tx)
            return true
        }
    }

    public func caseView(receipt: String) async throws -> CaseView? {
        try await read { tx in
            guard let row = try await tx.row("SELECT id FROM applications WHERE receipt = \(receipt)"),
                let status = try await Self.applicationStatus(try row.value("id"), tx)
            else { return nil }
            let id = status.application.id
            let grants = try await tx.rows(
                "SELECT * FROM case_grants WHERE application_id = \(id) ORDER BY granted_at, uploader"
            ).map(CaseGrantRecord.init(row:))
            let events = try await tx.rows("SELECT * FROM case_events WHERE application_id = \(id) ORDER BY id")
                .map(CaseEventRecord.init(row:))
            return CaseView(status: status, grants: grants, events: events)
        }
    }
}
