import Foundation
import IntakeCore
import IntakeTestSupport
import Testing

@testable import IntakeStore

/// The SQLite store and queue, on a real database file per test, with time given explicitly.
@Suite("SQLite store and job queue")
struct QueueTests {
    let store: SQLiteStore

    init() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "store")
        store = try SQLiteStore(path: folder.appendingPathComponent("intake.sqlite").path)
    }

    func upload(_ application: String = "APP-1", sha: String = "aa", bytes: Int64 = 100, name: String = "a.pdf")
        -> NewUpload
    {
        NewUpload(
            applicationId: application, uploader: "emp-1", receipt: nil, slot: .attachment, fileName: name,
            sha256: sha, bytes: bytes)
    }

    func result(for claim: ClaimedJob, verdict: Verdict = .accepted) -> ItemResult {
        let upload = claim.upload!
        return ItemResult(
            item: ItemRecord(
                id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName,
                firstPage: 1, lastPage: 1, sha256: upload.sha256, bytes: upload.bytes),
            verdict: verdict, findings: [], facts: FileFacts(mime: "application/pdf", bytes: 1, sha256: "aa"),
            policyVersion: "p1")
    }

    @Test("The same file for the same application and slot is recognised, not stored or queued twice")
    func idempotentSubmit() async throws {
        let first = try await store.submit(upload(), now: 1, maxAttempts: 5)
        let second = try await store.submit(upload(name: "renamed.pdf"), now: 2, maxAttempts: 5)
        #expect(!first.duplicate)
        #expect(second.duplicate)
        #expect(second.upload.id == first.upload.id)
        #expect(second.job.id == first.job.id)
        #expect(try await store.unfinishedJobs(now: 3).count == 1)
        let other = try await store.submit(upload("APP-2"), now: 3, maxAttempts: 5)
        #expect(!other.duplicate, "the same file in another application is another upload")
    }

    @Test("The first submission creates the application with an assigned receipt, or the one given")
    func receipts() async throws {
        let assigned = try await store.submit(upload(), now: 1_795_000_000, maxAttempts: 5)
        #expect(assigned.receipt.hasPrefix("R-"))
        var given = upload("APP-9")
        given.receipt = "R-GIVEN-1"
        #expect(try await store.submit(given, now: 1, maxAttempts: 5).receipt == "R-GIVEN-1")
        #expect(try await store.application(id: "APP-1")?.owner == "emp-1")
    }

    @Test("A claim leases the job; nobody else can claim it until the lease expires")
    func leaseAndReclaim() async throws {
        _ = try await store.submit(upload(), now: 0, maxAttempts: 5)
        let first = try #require(try await store.claim(worker: "w1", lease: .seconds(60), now: 1))
        #expect(first.job.state == .running)
        #expect(first.job.attempts == 1)
        #expect(try await store.claim(worker: "w2", lease: .seconds(60), now: 30) == nil)
        // w1 dies: its lease runs out and w2 takes the job.
        let second = try #require(try await store.claim(worker: "w2", lease: .seconds(60), now: 62))
        #expect(second.job.id == first.job.id)
        #expect(second.job.attempts == 2)
        #expect(second.leaseToken != first.leaseToken)
        // The late w1 cannot record anything: its lease is gone.
        await #expect(throws: StoreError.self) {
            try await store.complete(first, now: 63) { _ in [result(for: first)] }
        }
        try await store.complete(second, now: 64) { _ in [result(for: second)] }
        let status = try #require(try await store.status(uploadId: second.upload!.id))
        #expect(status.job?.state == .succeeded)
        #expect(status.items.count == 1)
        #expect(status.items[0].history == 1, "exactly one verdict")
    }

    @Test("Renewing keeps the lease; a renewed job is not reclaimed")
    func renewal() async throws {
        _ = try await store.submit(upload(), now: 0, maxAttempts: 5)
        let claim = try #require(try await store.claim(worker: "w1", lease: .seconds(10), now: 0))
        #expect(try await store.renew(claim, lease: .seconds(10), now: 8))
        #expect(try await store.claim(worker: "w2", lease: .seconds(10), now: 15) == nil)
        #expect(try await store.claim(worker: "w2", lease: .seconds(10), now: 19) != nil)
        #expect(try await store.renew(claim, lease: .seconds(10), now: 20) == false)
    }

    @Test("A transient fault retries after the backoff, then the job is dead after max attempts")
    func retryThenDead() async throws {
        _ = try await store.submit(upload(), now: 0, maxAttempts: 2)
        let first = try #require(try await store.claim(worker: "w", lease: .seconds(60), now: 0))
        try await store.fail(first, error: "disk busy", retryAt: 10, now: 1)
        #expect(try await store.job(id: first.job.id)?.state == .retrying)
        #expect(try await store.claim(worker: "w", lease: .seconds(60), now: 5) == nil, "not before the backoff")
        let second = try #require(try await store.claim(worker: "w", lease: .seconds(60), now: 10))
        try await store.fail(second, error: "disk busy again", retryAt: 20, now: 11)
        let job = try #require(try await store.job(id: first.job.id))
        #expect(job.state == .dead)
        #expect(job.lastError == "disk busy again")
        #expect(try await store.unfinishedJobs(now: 30).count == 0)
    }

    @Test("A job whose worker dies every time goes dead instead of looping forever")
    func poisonJob() async throws {
        _ = try await store.submit(upload(), now: 0, maxAttempts: 2)
        _ = try #require(try await store.claim(worker: "w1", lease: .seconds(1), now: 0))
        _ = try #require(try await store.claim(worker: "w2", lease: .seconds(1), now: 2))
        #expect(try await store.claim(worker: "w3", lease: .seconds(1), now: 4) == nil)
        let status = try await store.status(applicationId: "APP-1")
        #expect(status?.uploads.first?.job?.state == .dead)
    }

    @Test("Live uploads are claimed oldest first")
    func order() async throws {
        let a = try await store.submit(upload(sha: "a1"), now: 0, maxAttempts: 5)
        let b = try await store.submit(upload(sha: "b1"), now: 1, maxAttempts: 5)
        #expect(try await store.claim(worker: "w", lease: .seconds(60), now: 2)?.job.id == a.job.id)
        #expect(try await store.claim(worker: "w", lease: .seconds(60), now: 2)?.job.id == b.job.id)
    }

    @Test("Usage counts accepted items only, and is read inside the completing transaction")
    func usage() async throws {
        _ = try await store.submit(upload(sha: "a1", bytes: 700), now: 0, maxAttempts: 5)
        _ = try await store.submit(upload(sha: "b1", bytes: 500), now: 1, maxAttempts: 5)
        _ = try await store.submit(upload(sha: "c1", bytes: 300), now: 2, maxAttempts: 5)
        let a = try #require(try await store.claim(worker: "w", lease: .seconds(60), now: 3))
        let b = try #require(try await store.claim(worker: "w", lease: .seconds(60), now: 3))
        let c = try #require(try await store.claim(worker: "w", lease: .seconds(60), now: 3))
        try await store.complete(a, now: 4) { usage in
            #expect(usage == ApplicationUsage(acceptedOriginalBytes: 0, acceptedAttachments: 0, acceptedAdditionalBytesThisRound: 0))
            return [result(for: a)]
        }
        try await store.complete(b, now: 5) { usage in
            #expect(usage == ApplicationUsage(acceptedOriginalBytes: 700, acceptedAttachments: 1, acceptedAdditionalBytesThisRound: 0))
            return [result(for: b, verdict: .rejected)]
        }
        try await store.complete(c, now: 6) { usage in
            #expect(usage == ApplicationUsage(acceptedOriginalBytes: 700, acceptedAttachments: 1, acceptedAdditionalBytesThisRound: 0), "rejected items do not count")
            return [result(for: c)]
        }
        #expect(try await store.status(applicationId: "APP-1")?.acceptedBytes == 1000)
    }
}
