import IntakeCore
import IntakeStore
import IntakeTesting
import Testing

/// The queue's promises, held by every backend: leases, fencing, retries, the poison-job rule, order, batches.
@Suite("Queue behaviour")
struct QueueBehaviourTests {
    @Test(
        "A claim leases the job; nobody else can claim it until the lease expires, and the late worker is fenced",
        arguments: Backend.allCases)
    func leaseAndReclaim(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage)
        let first = try #require(try await storage.claim(worker: "w1", limit: 1, lease: .seconds(60)).first)
        #expect(first.job.state == .running)
        #expect(first.job.attempts == 1)
        clock.advance(by: .seconds(30))
        #expect(try await storage.claim(worker: "w2", limit: 1, lease: .seconds(60)).isEmpty)
        // w1 dies: its lease runs out and w2 takes the job.
        clock.advance(by: .seconds(31))
        let second = try #require(try await storage.claim(worker: "w2", limit: 1, lease: .seconds(60)).first)
        #expect(second.job.id == first.job.id)
        #expect(second.job.attempts == 2)
        #expect(second.leaseToken != first.leaseToken)
        // The late w1 can record nothing: neither a result, a failure nor a renewal.
        await #expect(throws: StoreError.self) {
            try await storage.complete(first) { _ in [Behaviour.result(for: first)] }
        }
        await #expect(throws: StoreError.self) { try await storage.fail(first, error: "late", retryAfter: nil) }
        #expect(try await storage.renew(first, lease: .seconds(60)) == false)
        try await storage.complete(second) { _ in [Behaviour.result(for: second)] }
        let status = try #require(try await storage.status(uploadId: second.upload!.id))
        #expect(status.job?.state == .succeeded)
        #expect(status.items.count == 1)
        #expect(status.items[0].history == 1, "exactly one verdict")
    }

    @Test("Renewing keeps the lease from the store's now; a renewed job is not reclaimed", arguments: Backend.allCases)
    func renewal(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage)
        let claim = try #require(try await storage.claim(worker: "w1", limit: 1, lease: .seconds(10)).first)
        clock.advance(by: .seconds(8))
        #expect(try await storage.renew(claim, lease: .seconds(10)))
        clock.advance(by: .seconds(7))
        #expect(try await storage.claim(worker: "w2", limit: 1, lease: .seconds(10)).isEmpty)
        clock.advance(by: .seconds(4))
        #expect(try await storage.claim(worker: "w2", limit: 1, lease: .seconds(10)).count == 1)
        #expect(try await storage.renew(claim, lease: .seconds(10)) == false)
    }

    @Test(
        "A transient fault retries after the backoff, then the job is dead after max attempts",
        arguments: Backend.allCases)
    func retryThenDead(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage, maxAttempts: 2)
        let first = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.fail(first, error: "disk busy", retryAfter: .seconds(10))
        #expect(try await storage.job(id: first.job.id)?.state == .retrying)
        let waiting = try await storage.unfinishedJobs()
        #expect(waiting.count == 1)
        #expect(waiting.nextDueIn == .seconds(10), "due when the backoff ends, by the store's clock")
        clock.advance(by: .seconds(5))
        #expect(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).isEmpty, "not before the backoff")
        clock.advance(by: .seconds(5))
        let second = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.fail(second, error: "disk busy again", retryAfter: .seconds(10))
        let job = try #require(try await storage.job(id: first.job.id))
        #expect(job.state == .dead)
        #expect(job.lastError == "disk busy again")
        #expect(try await storage.unfinishedJobs().count == 0)
    }

    @Test("A fault that is not retriable makes the job dead at once", arguments: Backend.allCases)
    func notRetriable(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage, maxAttempts: 5)
        let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.fail(claim, error: "unknown job kind", retryAfter: nil)
        #expect(try await storage.job(id: claim.job.id)?.state == .dead)
    }

    @Test(
        "The poison-job rule: a job whose worker dies every time goes dead instead of looping forever",
        arguments: Backend.allCases)
    func poisonJob(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        _ = try await Behaviour.submit(Behaviour.upload(), to: storage, maxAttempts: 2)
        #expect(try await storage.claim(worker: "w1", limit: 1, lease: .seconds(1)).count == 1)
        clock.advance(by: .seconds(2))
        #expect(try await storage.claim(worker: "w2", limit: 1, lease: .seconds(1)).count == 1)
        clock.advance(by: .seconds(2))
        #expect(try await storage.claim(worker: "w3", limit: 1, lease: .seconds(1)).isEmpty)
        let job = try await storage.status(applicationId: "APP-1")?.uploads.first?.job
        #expect(job?.state == .dead)
        #expect(job?.lastError?.contains("lease expired 2 times") == true)
    }

    @Test(
        "A batch claim takes several jobs at once, most urgent first, each with its own lease",
        arguments: Backend.allCases)
    func batchClaim(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        var jobs: [String] = []
        for index in 0..<5 {
            jobs.append(try await Behaviour.submit(Behaviour.upload(sha: "s\(index)"), to: storage).job.id)
            clock.advance(by: .seconds(1))
        }
        let first = try await storage.claim(worker: "w", limit: 3, lease: .seconds(60))
        #expect(first.map(\.job.id) == Array(jobs.prefix(3)), "oldest first")
        #expect(Set(first.map(\.leaseToken)).count == 3)
        let rest = try await storage.claim(worker: "w", limit: 10, lease: .seconds(60))
        #expect(rest.map(\.job.id) == Array(jobs.suffix(2)))
        #expect(try await storage.claim(worker: "w", limit: 10, lease: .seconds(60)).isEmpty)
    }

    @Test(
        "Four workers claiming at once never lease one job twice, and between them take every job",
        arguments: Backend.allCases)
    func concurrentClaims(backend: Backend) async throws {
        let storage = try makeStorage(backend)
        for index in 0..<40 { _ = try await Behaviour.submit(Behaviour.upload(sha: "c\(index)"), to: storage) }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let claims = try await storage.claim(worker: "w\(worker)", limit: 3, lease: .seconds(60))
                        if claims.isEmpty { return mine }
                        mine += claims.map(\.job.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 40, "no job leased twice")
        #expect(Set(claimed).count == 40)
    }

    @Test(
        "Completions that arrive together are each recorded once; a lost lease or a broken claim fails only itself",
        arguments: Backend.allCases)
    func completionsTogether(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        for index in 0..<20 {
            _ = try await Behaviour.submit(Behaviour.upload("APP-\(index % 4)", sha: "t\(index)"), to: storage)
        }
        var claims = try await storage.claim(worker: "w", limit: 20, lease: .seconds(60))
        try #require(claims.count == 20)
        // One lease is taken over by another worker; one claim names no upload, which no store can record.
        clock.advance(by: .seconds(61))
        let stolen = try #require(try await storage.claim(worker: "thief", limit: 1, lease: .seconds(600)).first)
        let lost = try #require(claims.firstIndex { $0.job.id == stolen.job.id })
        let broken = (lost + 1) % claims.count
        claims[broken].upload = nil
        // The other leases are renewed from the store's new now, as the worker's renewals would have.
        for claim in claims where claim.job.id != stolen.job.id {
            #expect(try await storage.renew(claim, lease: .seconds(60)))
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, claim) in claims.enumerated() {
                group.addTask {
                    do {
                        try await storage.complete(claim) { _ in [Behaviour.result(for: claim)] }
                        return (index, "recorded")
                    } catch let error as StoreError {
                        return (index, error.code.description)
                    }
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes[lost] == StoreError.Code.leaseLost.description)
        #expect(outcomes[broken] == StoreError.Code.integrity.description)
        #expect(outcomes.values.filter { $0 == "recorded" }.count == 18)
        for (index, claim) in claims.enumerated() where index != broken {
            let status = try #require(try await storage.status(uploadId: claim.job.uploadId!))
            let job = try #require(try await storage.job(id: claim.job.id))
            if index == lost {
                #expect(status.items.isEmpty, "nothing written under a lost lease")
                #expect(job.state == .running && job.leaseOwner == "thief")
            } else {
                #expect(status.items.map(\.history) == [1], "recorded exactly once")
                #expect(job.state == .succeeded)
            }
        }
        let left = try #require(try await storage.job(id: claims[broken].job.id))
        #expect(left.state == .running, "the broken claim recorded nothing; its lease will run out and it runs again")
    }

    @Test("Live uploads are claimed before reprocessing jobs", arguments: Backend.allCases)
    func priority(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        let done = try await Behaviour.submit(Behaviour.upload(sha: "a1"), to: storage)
        let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.complete(claim) { _ in [Behaviour.result(for: claim)] }
        _ = try await storage.enqueueReprocess(applicationIds: ["APP-1"], policyVersion: "p2", maxAttempts: 5)
        clock.advance(by: .seconds(1))
        let live = try await Behaviour.submit(Behaviour.upload(sha: "b1"), to: storage)
        let claims = try await storage.claim(worker: "w", limit: 2, lease: .seconds(60))
        #expect(claims.first?.job.id == live.job.id)
        #expect(claims.last?.job.kind == .reprocessApplication)
        #expect(done.job.id != live.job.id)
    }
}

/// The admin's view of the queue: counts by state, dead jobs, and retrying one.
@Suite("Queue administration")
struct QueueAdministrationTests {
    @Test(
        "A dead job is listed with its last error and can be put back in the queue, attempts reset",
        arguments: Backend.allCases)
    func retryDead(backend: Backend) async throws {
        let clock = TestClock()
        let storage = try makeStorage(backend, clock: clock)
        let submitted = try await Behaviour.submit(Behaviour.upload(), to: storage, maxAttempts: 1)
        clock.advance(by: .seconds(1))
        _ = try await Behaviour.submit(Behaviour.upload(sha: "other"), to: storage)
        let claim = try #require(try await storage.claim(worker: "w", limit: 1, lease: .seconds(60)).first)
        try await storage.fail(claim, error: "inspector unavailable", retryAfter: .seconds(1))
        let dead = try await storage.jobs(in: .dead, limit: 10)
        #expect(dead.map(\.id) == [submitted.job.id])
        #expect(dead.first?.lastError == "inspector unavailable")
        #expect(try await storage.jobCounts()[.dead] == 1)
        #expect(try await storage.jobCounts()[.queued] == 1)
        #expect(try await storage.retry(jobId: submitted.job.id))
        #expect(try await storage.retry(jobId: submitted.job.id) == false, "only a dead job is retried")
        let job = try #require(try await storage.job(id: submitted.job.id))
        #expect(job.state == .queued && job.attempts == 0)
        #expect(try await storage.claim(worker: "w", limit: 2, lease: .seconds(60)).count == 2)
    }
}
