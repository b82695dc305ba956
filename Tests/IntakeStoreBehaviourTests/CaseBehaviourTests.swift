import IntakeCore
import IntakeStore
import IntakeTesting
import Synchronization
import Testing

/// Cases, additional documents, reprocessing and the trials' inputs, held by every backend.
@Suite("Case and reprocess behaviour")
struct CaseBehaviourTests {
    /// A store holding application APP-1 (receipt R-1, owner emp-1) with one accepted attachment.
    func caseWithOneDocument(_ backend: Backend, clock: TestClock = TestClock()) async throws -> any IntakeStorage {
        let storage = try makeStorage(backend, clock: clock)
        _ = try await Behaviour.submit(Behaviour.upload(receipt: "R-1"), to: storage)
        let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.complete(claim) { _ in [Behaviour.result(for: claim)] }
        return storage
    }

    @Test(
        "Additional documents: the owner and granted agents may add; strangers and unknown receipts are refused and kept for audit outside the case",
        arguments: Backend.allCases)
    func additions(backend: Backend) async throws {
        let storage = try await caseWithOneDocument(backend)
        guard case .linked(let linked, _) = try await Behaviour.add("R-1", uploader: "emp-1", to: storage) else {
            Issue.record("the owner's document was not linked")
            return
        }
        guard
            case .refused(let refused, let finding) = try await Behaviour.add(
                "R-1", uploader: "x", sha: "ee", to: storage)
        else {
            Issue.record("a stranger's document was linked")
            return
        }
        #expect(finding.code == .caseForbidden)
        #expect(refused.applicationId == nil, "kept outside any case")
        guard case .refused(_, let missing) = try await Behaviour.add("R-404", uploader: "emp-1", to: storage) else {
            Issue.record("a document for an unknown receipt was linked")
            return
        }
        #expect(missing.code == .caseNotFound)
        #expect(try await storage.grant(receipt: "R-1", uploader: "x", actor: "emp-1"))
        #expect(try await storage.grant(receipt: "R-1", uploader: "x", actor: "emp-1"), "granting twice is one grant")
        #expect(try await storage.grant(receipt: "R-404", uploader: "x", actor: "emp-1") == false)
        guard case .linked = try await Behaviour.add("R-1", uploader: "x", sha: "ee", to: storage) else {
            Issue.record("a granted agent's document was not linked")
            return
        }
        let view = try #require(try await storage.caseView(receipt: "R-1"))
        #expect(view.grants.map(\.uploader) == ["x"])
        #expect(view.status.additional.map(\.upload.id).contains(linked.id))
        #expect(!view.status.additional.map(\.upload.id).contains(refused.id), "a refused document is not the case's")
        #expect(view.events.map(\.kind).contains("refused"))
    }

    @Test(
        "The same additional document is linked once while pending or accepted, and may be sent again once rejected",
        arguments: Backend.allCases)
    func additionalDuplicates(backend: Backend) async throws {
        let storage = try await caseWithOneDocument(backend)
        guard case .linked(let first, _) = try await Behaviour.add("R-1", uploader: "emp-1", to: storage) else {
            Issue.record("not linked")
            return
        }
        guard case .alreadyLinked(let again) = try await Behaviour.add("R-1", uploader: "emp-1", to: storage) else {
            Issue.record("a pending copy was linked twice")
            return
        }
        #expect(again.id == first.id)
        let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.complete(claim) { _ in [Behaviour.result(for: claim, verdict: .rejected)] }
        guard case .linked(let resent, _) = try await Behaviour.add("R-1", uploader: "emp-1", to: storage) else {
            Issue.record("a rejected copy could not be sent again")
            return
        }
        #expect(resent.id != first.id)
    }

    @Test(
        "Case states: awaiting_additional opens a new request round; a closed case stays closed",
        arguments: Backend.allCases)
    func states(backend: Backend) async throws {
        let storage = try await caseWithOneDocument(backend)
        guard case .moved(let awaiting) = try await Behaviour.setState("R-1", .awaitingAdditional, in: storage) else {
            Issue.record("not moved")
            return
        }
        #expect(awaiting.round == 1)
        guard case .moved(let again) = try await Behaviour.setState("R-1", .awaitingAdditional, in: storage) else {
            Issue.record("not moved")
            return
        }
        #expect(again.round == 1, "staying in awaiting_additional opens no new round")
        _ = try await Behaviour.setState("R-1", .closed, in: storage)
        guard case .refused(let finding) = try await Behaviour.setState("R-1", .underReview, in: storage) else {
            Issue.record("a closed case was reopened")
            return
        }
        #expect(finding.code == .caseInvalidTransition)
        #expect(try await Behaviour.setState("R-404", .closed, in: storage) == .notFound)
        let events = try #require(try await storage.caseView(receipt: "R-1")).events.map(\.kind)
        #expect(events.filter { $0 == "state" }.count == 3)
    }

    @Test(
        "Replay entries of several applications read together: each application's own items, in the order of their first decisions; an application with nothing decided maps to none",
        arguments: Backend.allCases)
    func replayEntriesTogether(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        for (application, sha) in [("APP-A", "a1"), ("APP-B", "b1"), ("APP-A", "a2"), ("APP-B", "b2"), ("APP-C", "c1")]
        {
            _ = try await Behaviour.submit(Behaviour.upload(application, sha: sha), to: storage)
            clock.advance(by: .seconds(1))
        }
        let claims = try await storage.claim(worker: "w", limit: 5, lease: .seconds(60))
        // Decided in the opposite order of submission, except APP-C's, which stays undecided.
        for claim in claims.reversed() where claim.upload?.applicationId != "APP-C" {
            try await storage.complete(claim) { _ in [Behaviour.result(for: claim)] }
        }
        let entries = try await storage.replayEntries(applicationIds: ["APP-A", "APP-B", "APP-C", "NOPE"])
        #expect(entries["APP-A"]?.map(\.upload.sha256) == ["a2", "a1"])
        #expect(entries["APP-B"]?.map(\.upload.sha256) == ["b2", "b1"])
        #expect(entries["APP-C"]?.isEmpty == true)
        #expect(entries["NOPE"]?.isEmpty == true)
        // The same entries as reading each application alone, verdicts and facts included.
        #expect(entries["APP-A"] == (try await storage.replayEntries(applicationId: "APP-A")))
        let a2 = try #require(claims.first { $0.upload?.sha256 == "a2" })
        #expect(entries["APP-A"]?.first?.latest.facts == Behaviour.result(for: a2).facts)
    }

    @Test(
        "Reprocess replay: entries in the order of first decisions; only the verdicts handed back are appended; an unfinished run is resumed, an up-to-date application skipped",
        arguments: Backend.allCases)
    func reprocess(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        for sha in ["x1", "x2"] {
            _ = try await Behaviour.submit(Behaviour.upload(sha: sha), to: storage)
            clock.advance(by: .seconds(1))
        }
        let claims = try await storage.claim(worker: "w", limit: 2, lease: .seconds(60))
        // Decided in the opposite order of submission: replay follows the decisions.
        for claim in claims.reversed() {
            try await storage.complete(claim) { _ in [Behaviour.result(for: claim)] }
        }
        let entries = try await storage.replayEntries(applicationId: "APP-1")
        #expect(entries.map(\.upload.sha256) == ["x2", "x1"])
        #expect(try await storage.applications(matching: .all) == ["APP-1"])
        #expect(try await storage.applications(matching: .application("NOPE")).isEmpty)
        let upToDate = try await storage.enqueueReprocess(
            applicationIds: ["APP-1"], policyVersion: "p1", maxAttempts: 5)
        #expect(upToDate.upToDate == 1 && upToDate.enqueued == 0)
        let queued = try await storage.enqueueReprocess(applicationIds: ["APP-1"], policyVersion: "p2", maxAttempts: 5)
        #expect(queued.enqueued == 1)
        let resumed = try await storage.enqueueReprocess(applicationIds: ["APP-1"], policyVersion: "p2", maxAttempts: 5)
        #expect(resumed.alreadyQueued == 1)
        #expect(try await storage.unfinishedJobs(kind: .reprocessApplication) == 1)
        let job = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        let recorded = try await storage.completeReprocess(job) { entries in
            [entries[0]].map { entry in
                ItemResult(
                    item: entry.item, verdict: .rejected, findings: [.unsplittable("tightened")],
                    facts: entry.latest.facts, policyVersion: "p2")
            }
        }
        #expect(recorded == 1)
        let status = try #require(try await storage.status(applicationId: "APP-1"))
        #expect(status.uploads.map { $0.items[0].history } == [1, 2])
        #expect(status.acceptedBytes == 100, "the rejected replay no longer counts")
        #expect(try await storage.unfinishedJobs(kind: .reprocessApplication) == 0)
    }

    @Test(
        "Reprocess batches: 250 applications in three jobs in the run's order, each replayed whole in one transaction; progress counts applications",
        arguments: Backend.allCases)
    func reprocessBatches(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        let applications = (0..<250).map { "APP-\(1000 + $0)" }
        for application in applications {
            _ = try await Behaviour.submit(Behaviour.upload(application, sha: application), to: storage)
        }
        for claim in try await storage.claim(worker: "w", limit: 250, lease: .seconds(60)) {
            try await storage.complete(claim) { _ in [Behaviour.result(for: claim)] }
        }
        let queued = try await storage.enqueueReprocess(
            applicationIds: applications, policyVersion: "p2", maxAttempts: 5)
        #expect(queued.enqueued == 250)
        #expect(try await storage.unfinishedJobs(kind: .reprocessApplication) == 3)
        #expect(try await storage.unfinishedReprocessApplications() == 250)
        let again = try await storage.enqueueReprocess(
            applicationIds: Array(applications.suffix(10)), policyVersion: "p2", maxAttempts: 5)
        #expect(again.alreadyQueued == 10 && again.enqueued == 0)

        let jobs = try await storage.claim(worker: "w", limit: 3, lease: .seconds(60))
        #expect(jobs.map { try? ReprocessBatch.applications(of: $0.job).count } == [100, 100, 50])
        let seen = Mutex<[String]>([])
        let recorded = try await storage.completeReprocess(jobs[0]) { entries in
            seen.withLock { $0.append(entries[0].upload.applicationId ?? "?") }
            return entries.map { entry in
                ItemResult(
                    item: entry.item, verdict: .rejected, findings: [.unsplittable("tightened")],
                    facts: entry.latest.facts, policyVersion: "p2")
            }
        }
        #expect(recorded == 100)
        #expect(seen.withLock { $0 } == Array(applications.prefix(100)), "each application once, in the run's order")
        #expect(try await storage.unfinishedReprocessApplications() == 150)
        let status = try #require(try await storage.status(applicationId: applications[99]))
        #expect(status.uploads.map { $0.items[0].history } == [2])
        let untouched = try #require(try await storage.status(applicationId: applications[100]))
        #expect(untouched.uploads.map { $0.items[0].history } == [1])
        for job in jobs.dropFirst() { _ = try await storage.completeReprocess(job) { _ in [] } }
        #expect(try await storage.unfinishedReprocessApplications() == 0)
    }

    @Test(
        "Trial inputs: one row per application of its photo and attachments, never additional documents",
        arguments: Backend.allCases)
    func trialInputs(backend: Backend) async throws {
        let storage = try await caseWithOneDocument(backend)
        _ = try await Behaviour.submit(Behaviour.upload(sha: "p", bytes: 50, slot: .photo), to: storage)
        _ = try await Behaviour.add("R-1", uploader: "emp-1", bytes: 9_999, to: storage)
        _ = try await Behaviour.submit(Behaviour.upload("APP-2", sha: "q", bytes: 300), to: storage)
        let rows = try await storage.trialApplications().sorted { $0.bytes < $1.bytes }
        #expect(rows.map(\.bytes) == [150, 300])
        #expect(rows.map(\.files) == [2, 1])
        #expect(rows.map(\.largestFile) == [100, 300])
    }
}
