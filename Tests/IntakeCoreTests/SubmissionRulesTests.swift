import Testing

@testable import IntakeCore

/// The rules every backend applies the same way: submissions, transitions, de-duplication, receipts, keys, the
/// queue's poison-job and retry rules and the reprocess "unchanged" rule.
@Suite("Submission, case and queue rules")
struct SubmissionRulesTests {
    let open = CaseSnapshot(owner: "owner-1", grantees: ["scrivener-7"], state: .underReview, receipt: "R-1")

    func code(_ decision: SubmissionDecision) -> String? {
        if case .refuse(let finding) = decision { return finding.code.rawValue }
        return nil
    }

    @Test("The first submission creates the application under the receipt given, or one to be assigned")
    func first() {
        #expect(
            CaseRules.decideSubmission(application: "A", uploader: "u", receipt: "R-9", snapshot: nil)
                == .create(receipt: "R-9"))
        #expect(
            CaseRules.decideSubmission(application: "A", uploader: "u", receipt: nil, snapshot: nil)
                == .create(receipt: nil))
    }

    @Test("A later submission: the owner or a granted agent, an open case, its own receipt or none")
    func later() {
        for uploader in ["owner-1", "scrivener-7"] {
            #expect(
                CaseRules.decideSubmission(application: "A", uploader: uploader, receipt: nil, snapshot: open)
                    == .accept)
        }
        #expect(
            CaseRules.decideSubmission(application: "A", uploader: "owner-1", receipt: "R-1", snapshot: open) == .accept
        )
        #expect(
            code(CaseRules.decideSubmission(application: "A", uploader: "stranger", receipt: nil, snapshot: open))
                == "application.forbidden")
        #expect(
            code(CaseRules.decideSubmission(application: "A", uploader: "owner-1", receipt: "R-2", snapshot: open))
                == "application.receipt_mismatch")
        var closed = open
        closed.state = .closed
        #expect(
            code(CaseRules.decideSubmission(application: "A", uploader: "owner-1", receipt: nil, snapshot: closed))
                == "case.not_accepting")
    }

    @Test("A refused submission names the application, never the owner, the agents or the uploader")
    func refusalLeaksNothing() throws {
        guard
            case .refuse(let finding) = CaseRules.decideSubmission(
                application: "APP-7", uploader: "stranger-9", receipt: nil, snapshot: open)
        else {
            Issue.record("a stranger's submission was accepted")
            return
        }
        for text in [finding.message.en, finding.message.ja] + finding.detail.values.map({ "\($0)" }) {
            #expect(!text.contains("owner-1") && !text.contains("scrivener-7") && !text.contains("stranger-9"))
        }
        #expect(finding.message.en.contains("APP-7"))
    }

    @Test("De-duplication: an accepted or pending copy is linked once; only rejected copies may be sent again")
    func deduplication() {
        var snapshot = open
        snapshot.copies = [ExistingCopy(uploadId: "U-1", isRejected: true)]
        #expect(CaseRules.decide(receipt: "R-1", uploader: "owner-1", snapshot: snapshot) == .accept)
        snapshot.copies.append(ExistingCopy(uploadId: "U-2", isRejected: false))
        #expect(
            CaseRules.decide(receipt: "R-1", uploader: "owner-1", snapshot: snapshot) == .alreadyLinked(uploadId: "U-2")
        )
        #expect(
            CaseRules.decide(receipt: "R-1", uploader: "stranger", snapshot: snapshot)
                == .refuse(.caseForbidden(receipt: "R-1")), "a stranger learns nothing of the copies")
    }

    @Test("Transitions: awaiting_additional opens a round only when entered; a closed case stays closed")
    func transitions() {
        #expect(
            CaseRules.transition(receipt: "R", from: .underReview, to: .awaitingAdditional)
                == .move(to: .awaitingAdditional, opensRound: true))
        #expect(
            CaseRules.transition(receipt: "R", from: .awaitingAdditional, to: .awaitingAdditional)
                == .move(to: .awaitingAdditional, opensRound: false))
        #expect(CaseRules.transition(receipt: "R", from: .closed, to: .closed) == .move(to: .closed, opensRound: false))
        for target in [CaseState.underReview, .awaitingAdditional] {
            guard case .refuse(let finding) = CaseRules.transition(receipt: "R", from: .closed, to: target) else {
                Issue.record("a closed case moved to \(target)")
                continue
            }
            #expect(finding.code == .caseInvalidTransition)
        }
    }

    @Test("Receipt numbers carry the day in Japan and six Crockford characters")
    func receipts() {
        var generator = FixedGenerator()
        let receipt = CalendarDay(japanTime: 1_795_464_000).receiptNumber(using: &generator)
        #expect(receipt == "R-20261124-000000")
        let random = CalendarDay(year: 2026, month: 1, day: 5).receiptNumber()
        #expect(random.hasPrefix("R-20260105-") && random.count == 17)
        #expect(random.dropFirst(11).allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
    }

    @Test("Idempotency keys: one per application, slot and content; additional and refused documents never collide")
    func keys() {
        #expect(IdempotencyKey.upload(application: "A", slot: .photo, sha256: "ab") == "A|photo|ab")
        #expect(
            IdempotencyKey.upload(application: "A", slot: .photo, sha256: "ab")
                != IdempotencyKey.upload(application: "A", slot: .attachment, sha256: "ab"))
        #expect(
            IdempotencyKey.additional(application: "A", sha256: "ab", nonce: "1")
                != IdempotencyKey.additional(application: "A", sha256: "ab", nonce: "2"))
        #expect(IdempotencyKey.refused(nonce: "1").hasPrefix("refused|"))
    }

    @Test("The poison-job rule and retries: expired leases are reclaimed until attempts run out")
    func queueRules() {
        #expect(JobRules.expiredLease(attempts: 1, maxAttempts: 3) == .reclaim)
        guard case .dead(let reason) = JobRules.expiredLease(attempts: 3, maxAttempts: 3) else {
            Issue.record("a job past its attempts was reclaimed")
            return
        }
        #expect(reason.contains("3 times"))
        #expect(JobRules.retries(afterFailedAttempt: 2, maxAttempts: 3, isRetriable: true))
        #expect(!JobRules.retries(afterFailedAttempt: 3, maxAttempts: 3, isRetriable: true))
        #expect(!JobRules.retries(afterFailedAttempt: 1, maxAttempts: 3, isRetriable: false))
    }

    @Test("The reprocess rule: a replayed verdict is recorded only when result or policy differ")
    func unchanged() {
        let latest = Judgement(verdict: .accepted, findings: [], policyVersion: "p1")
        #expect(!latest.isRecorded(over: latest))
        #expect(Judgement(verdict: .accepted, findings: [], policyVersion: "p2").isRecorded(over: latest))
        #expect(
            Judgement(verdict: .rejected, findings: [.unsplittable("x")], policyVersion: "p1").isRecorded(over: latest))
    }
}

/// A generator that always draws zero, for exact receipt numbers.
struct FixedGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { 0 }
}
