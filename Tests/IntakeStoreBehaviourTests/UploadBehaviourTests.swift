import IntakeCore
import IntakeStore
import IntakeTesting
import Testing

/// Submissions, duplicates and the application allowance, held by every backend.
@Suite("Upload behaviour")
struct UploadBehaviourTests {
    @Test(
        "The same file for the same application and slot is recognised, not stored or queued twice",
        arguments: Backend.allCases)
    func duplicates(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        let first = try await Behaviour.submit(Behaviour.upload(), to: storage)
        let second = try await Behaviour.submit(Behaviour.upload(name: "renamed.pdf"), to: storage)
        #expect(!first.duplicate)
        #expect(second.duplicate)
        #expect(second.upload.id == first.upload.id)
        #expect(second.job.id == first.job.id)
        #expect(try await storage.unfinishedJobs().count == 1)
        let other = try await Behaviour.submit(Behaviour.upload("APP-2"), to: storage)
        #expect(!other.duplicate, "the same file in another application is another upload")
        let asPhoto = try await Behaviour.submit(Behaviour.upload(slot: .photo), to: storage)
        #expect(!asPhoto.duplicate, "the same file in another slot is another upload")
    }

    @Test(
        "The first submission creates the application with an assigned receipt of its day, or the one given",
        arguments: Backend.allCases)
    func receipts(backend: Backend) async throws {
        // 2026-11-23 20:00 UTC is already 2026-11-24 in Japan.
        let clock = TestClock(1_795_464_000)
        let storage = try makeStorage(backend, clock: clock)
        let assigned = try await Behaviour.submit(Behaviour.upload(), to: storage)
        #expect(assigned.receipt.hasPrefix("R-20261124-"))
        let given = try await Behaviour.submit(Behaviour.upload("APP-9", receipt: "R-GIVEN-1"), to: storage)
        #expect(given.receipt == "R-GIVEN-1")
        #expect(try await storage.application(id: "APP-1")?.owner == "emp-1")
    }

    @Test(
        "A later submission needs the owner or a granted agent, an open case and its own receipt; a refusal is a finding and records nothing",
        arguments: Backend.allCases)
    func laterSubmissions(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        _ = try await Behaviour.submit(Behaviour.upload(receipt: "R-1"), to: storage)
        let stranger = try await Behaviour.submitting(Behaviour.upload(sha: "b", uploader: "stranger"), to: storage)
        #expect(code(stranger) == "application.forbidden")
        #expect(
            code(try await Behaviour.submitting(Behaviour.upload(sha: "b", receipt: "R-2"), to: storage))
                == "application.receipt_mismatch")
        #expect(try await storage.grant(receipt: "R-1", uploader: "scrivener", actor: "emp-1"))
        _ = try await Behaviour.submit(Behaviour.upload(sha: "c", uploader: "scrivener"), to: storage)
        _ = try await Behaviour.setState("R-1", .closed, in: storage)
        #expect(code(try await Behaviour.submitting(Behaviour.upload(sha: "d"), to: storage)) == "case.not_accepting")
        let status = try #require(try await storage.status(applicationId: "APP-1"))
        #expect(Set(status.uploads.map(\.upload.sha256)) == ["aa", "c"], "refused submissions recorded nothing")
    }

    @Test(
        "Usage counts accepted items only, and is read inside the completing transaction",
        arguments: Backend.allCases)
    func usage(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        for (sha, bytes) in [("a1", 700), ("b1", 500), ("c1", 300)] {
            _ = try await Behaviour.submit(Behaviour.upload(sha: sha, bytes: Int64(bytes)), to: storage)
            clock.advance(by: .seconds(1))
        }
        let claims = try await storage.claim(worker: "w", limit: 3, lease: .seconds(60))
        #expect(claims.count == 3)
        let none = ApplicationUsage(
            acceptedOriginalBytes: 0, acceptedAttachments: 0, acceptedAdditionalBytesThisRound: 0)
        let seven = ApplicationUsage(
            acceptedOriginalBytes: 700, acceptedAttachments: 1, acceptedAdditionalBytesThisRound: 0)
        try await storage.complete(claims[0]) { usage in
            #expect(usage == none)
            return [Behaviour.result(for: claims[0])]
        }
        try await storage.complete(claims[1]) { usage in
            #expect(usage == seven)
            return [Behaviour.result(for: claims[1], verdict: .rejected)]
        }
        try await storage.complete(claims[2]) { usage in
            #expect(usage == seven, "rejected items do not count")
            return [Behaviour.result(for: claims[2])]
        }
        #expect(try await storage.status(applicationId: "APP-1")?.acceptedBytes == 1000)
    }

    @Test(
        "Two uploads racing for the last megabytes of the allowance: exactly one is accepted",
        arguments: Backend.allCases)
    func allowanceRace(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        let policy = Policy.testDefault(applicationTotal: 25_000_000)
        _ = try await Behaviour.submit(Behaviour.upload(sha: "base", bytes: 20_000_000), to: storage)
        let base = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await Behaviour.completeJudged(base, in: storage, policy: policy)
        for round in 0..<8 {
            let a = try await Behaviour.submit(Behaviour.upload(sha: "a\(round)", bytes: 4_000_000), to: storage)
            let b = try await Behaviour.submit(Behaviour.upload(sha: "b\(round)", bytes: 4_000_000), to: storage)
            let claims = try await storage.claim(worker: "w", limit: 2, lease: .seconds(60))
            #expect(claims.count == 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for claim in claims {
                    group.addTask { try await Behaviour.completeJudged(claim, in: storage, policy: policy) }
                }
                try await group.waitForAll()
            }
            let verdicts = try await [a, b].asyncMap { result in
                try await storage.status(uploadId: result.upload.id)?.items.first?.latest?.verdict
            }
            #expect(verdicts.filter { $0 == .accepted }.count == (round == 0 ? 1 : 0), "round \(round): \(verdicts)")
        }
        #expect(try await storage.status(applicationId: "APP-1")?.acceptedBytes == 24_000_000)
    }

    @Test(
        "Eight first submissions racing to create one application create it once; each file is recorded once",
        arguments: Backend.allCases)
    func creationRace(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        let results = try await withThrowingTaskGroup(of: SubmitResult.self) { group in
            for index in 0..<8 {
                group.addTask { try await Behaviour.submit(Behaviour.upload("APP-R", sha: "r\(index)"), to: storage) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.receipt)).count == 1, "one application, one receipt")
        #expect(results.allSatisfy { !$0.duplicate })
        let status = try #require(try await storage.status(applicationId: "APP-R"))
        #expect(status.uploads.count == 8)
        #expect(try await storage.applicationIds() == ["APP-R"])
        let events = try await storage.events(applicationId: "APP-R", after: 0, limit: 100)
        #expect(events.map(\.kind) == Array(repeating: .uploadReceived, count: 8))
    }

    private func code(_ outcome: SubmitOutcome) -> String? {
        if case .refused(let finding) = outcome { return finding.code.rawValue }
        return nil
    }
}

extension Array where Element: Sendable {
    func asyncMap<Mapped>(_ transform: (Element) async throws -> Mapped) async rethrows -> [Mapped] {
        var mapped: [Mapped] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}

/// Responses kept under idempotency keys.
@Suite("Idempotency keys")
struct IdempotencyBehaviourTests {
    @Test("The first response kept for a key wins, per uploader, for the key's lifetime", arguments: Backend.allCases)
    func firstWins(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        let first = StoredResponse(
            fingerprint: "f", status: 202, body: "{\"upload\":\"U-1\"}", location: "/v1/uploads/U-1")
        let second = StoredResponse(fingerprint: "f", status: 202, body: "{\"upload\":\"U-2\"}", location: nil)
        #expect(try await storage.keepResponse(first, uploader: "u", key: "k", lifetime: .seconds(86_400)) == first)
        #expect(try await storage.keepResponse(second, uploader: "u", key: "k", lifetime: .seconds(86_400)) == first)
        #expect(try await storage.storedResponse(uploader: "u", key: "k", lifetime: .seconds(86_400)) == first)
        #expect(try await storage.storedResponse(uploader: "other", key: "k", lifetime: .seconds(86_400)) == nil)
        clock.advance(by: .seconds(86_401))
        #expect(try await storage.storedResponse(uploader: "u", key: "k", lifetime: .seconds(86_400)) == nil)
        #expect(try await storage.keepResponse(second, uploader: "u", key: "k", lifetime: .seconds(86_400)) == second)
    }
}

/// The event log behind the events stream.
@Suite("Application events")
struct EventBehaviourTests {
    @Test(
        "Received, judged, failed and state changes are logged in order, each in the transaction of its change",
        arguments: Backend.allCases)
    func log(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        let accepted = try await Behaviour.submit(Behaviour.upload(receipt: "R-1"), to: storage)
        clock.advance(by: .seconds(1))
        let failed = try await Behaviour.submit(Behaviour.upload(sha: "bad"), to: storage, maxAttempts: 1)
        _ = try await Behaviour.submit(Behaviour.upload(sha: "bad"), to: storage)  // a duplicate: no event
        let claims = try await storage.claim(worker: "w", limit: 2, lease: .seconds(60))
        try await storage.complete(claims[0]) { _ in [Behaviour.result(for: claims[0])] }
        try await storage.fail(claims[1], error: "broken", retryAfter: nil)
        _ = try await Behaviour.setState("R-1", .awaitingAdditional, in: storage)
        let events = try await storage.events(applicationId: "APP-1", after: 0, limit: 100)
        #expect(
            events.map(\.kind) == [.uploadReceived, .uploadReceived, .uploadAccepted, .uploadFailed, .caseStateChanged])
        #expect(
            events.map(\.uploadId) == [accepted.upload.id, failed.upload.id, accepted.upload.id, failed.upload.id, nil])
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.id < $1.id })
        let later = try await storage.events(applicationId: "APP-1", after: events[2].id, limit: 100)
        #expect(later.map(\.kind) == [.uploadFailed, .caseStateChanged], "resumes after the last id seen")
        #expect(try await storage.events(applicationId: "APP-2", after: 0, limit: 100).isEmpty)
    }
}

/// The admin page's chart of recent findings: counted over latest verdicts of recent uploads.
@Suite("Finding counts")
struct FindingCountBehaviourTests {
    @Test(
        "Each item counts once per code in its latest verdict; uploads before the cut-off and accepted items add nothing",
        arguments: Backend.allCases)
    func recentFindings(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        _ = try await Behaviour.submit(Behaviour.upload(sha: "old"), to: storage)
        let old = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.complete(old) { _ in [Behaviour.result(for: old, verdict: .rejected)] }
        clock.advance(by: .seconds(3600))
        let cutOff = clock.now
        for (sha, verdict) in [("r1", Verdict.rejected), ("r2", .rejected), ("ok", .accepted)] {
            _ = try await Behaviour.submit(Behaviour.upload(sha: sha), to: storage)
            let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
            try await storage.complete(claim) { _ in [Behaviour.result(for: claim, verdict: verdict)] }
        }
        #expect(try await storage.findingCounts(uploadedSince: cutOff) == ["pdf.malformed": 2])
        #expect(try await storage.findingCounts(uploadedSince: 0) == ["pdf.malformed": 3])
        #expect(try await storage.findingCounts(uploadedSince: clock.now + 1).isEmpty)
    }
}
