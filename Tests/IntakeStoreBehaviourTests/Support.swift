import IntakeCore
import IntakeStore
import IntakeTesting

/// Building blocks of the behaviour suite: uploads and results as a worker would record them.
enum Behaviour {
    static func upload(
        _ application: String = "APP-1", sha: String = "aa", bytes: Int64 = 100, name: String = "a.pdf",
        uploader: String = "emp-1", receipt: String? = nil, slot: Slot = .attachment
    ) -> NewUpload {
        NewUpload(
            applicationId: application, uploader: uploader, receipt: receipt, slot: slot, fileName: name,
            sha256: sha, bytes: bytes)
    }

    /// Submits under the real submission rules and returns what was recorded (failing the test on a refusal).
    static func submit(_ upload: NewUpload, to storage: any IntakeStorage, maxAttempts: Int = 5) async throws
        -> SubmitResult
    {
        switch try await submitting(upload, to: storage, maxAttempts: maxAttempts) {
        case .recorded(let result): return result
        case .refused(let finding): throw BehaviourFailure("submission refused: \(finding.code)")
        }
    }

    static func submitting(_ upload: NewUpload, to storage: any IntakeStorage, maxAttempts: Int = 5) async throws
        -> SubmitOutcome
    {
        try await storage.submit(upload, maxAttempts: maxAttempts) { snapshot in
            CaseRules.decideSubmission(
                application: upload.applicationId, uploader: upload.uploader, receipt: upload.receipt,
                snapshot: snapshot)
        }
    }

    /// One accepted (or rejected) item for a claimed upload, as a worker records it.
    static func result(for claim: ClaimedJob, verdict: Verdict = .accepted) -> ItemResult {
        let upload = claim.upload!
        return ItemResult(
            item: ItemRecord(
                id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName,
                firstPage: 1, lastPage: 1, sha256: upload.sha256, bytes: upload.bytes),
            verdict: verdict, findings: verdict == .rejected ? [.unsplittable("test")] : [],
            facts: FileFacts(mime: "application/pdf", bytes: upload.bytes, sha256: upload.sha256),
            policyVersion: "p1")
    }

    /// The application limits of `policy` applied to one claimed upload, inside the completing transaction.
    static func completeJudged(_ claim: ClaimedJob, in storage: any IntakeStorage, policy: Policy) async throws {
        let judged = result(for: claim)
        try await storage.complete(claim) { usage in
            var item = judged
            item.findings = AttachmentRules(policy: policy).applicationFindings(
                bytes: item.item.bytes, slot: claim.upload!.slot, usage: usage)
            item.verdict = Verdict(findings: item.findings)
            return [item]
        }
    }

    static func add(
        _ receipt: String, uploader: String, sha: String = "dd", bytes: Int64 = 100, to storage: any IntakeStorage
    ) async throws -> AddOutcome {
        try await storage.add(
            NewAdditional(receipt: receipt, uploader: uploader, fileName: "more.pdf", sha256: sha, bytes: bytes),
            maxAttempts: 5, policyVersion: "p1"
        ) { CaseRules.decide(receipt: receipt, uploader: uploader, snapshot: $0) }
    }

    static func setState(_ receipt: String, _ state: CaseState, in storage: any IntakeStorage) async throws
        -> CaseStateOutcome
    {
        try await storage.setCaseState(receipt: receipt, actor: "reviewer") {
            CaseRules.transition(receipt: receipt, from: $0, to: state)
        }
    }
}

struct BehaviourFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
