import BlobStorage
import Foundation
import InMemoryLogging
import IntakeCore
import IntakeStore
import IntakeTesting
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@testable import IntakeWorker

/// The worker in process: a real SQLite store and blob folder, the stub inspector in place of the child.
@Suite("Job processor")
struct JobProcessorTests {
    struct Harness {
        let clock = TestClock()
        let storage: any IntakeStorage
        let blobs: FileBlobStore
        let inspector: StubInspector
        let logs = InMemoryLogHandler()

        init(holdingInspections: Bool = false) throws {
            storage = try makeStorage(.sqlite, clock: clock)
            blobs = try FileBlobStore(root: TemporaryDataFolder("blobs").path)
            inspector = StubInspector(holding: holdingInspections)
        }

        func processor(
            untilEmpty: Bool, lease: Duration = .seconds(60), concurrency: Int = 2, policy: Policy = .testDefault
        ) -> JobProcessor {
            var settings = WorkerSettings.defaults(cores: concurrency)
            settings.lease = lease
            settings.pollInterval = .milliseconds(20)
            let logs = logs
            return JobProcessor(
                storage: storage,
                handlers: [
                    UploadJobHandler(
                        storage: storage, blobs: blobs, inspector: inspector, policy: policy, landmarkModel: "none"),
                    ReprocessJobHandler(storage: storage, policy: policy),
                ],
                settings: settings, untilEmpty: untilEmpty, logger: Logger(label: "test") { _ in logs })
        }

        /// Stores `bytes` and submits them as an attachment of `application`.
        func submit(_ bytes: [UInt8], application: String = "APP-1", name: String = "secret-name.pdf") async throws
            -> SubmitResult
        {
            let stored = try await blobs.write([bytes].async, maximumBytes: nil)
            let outcome = try await storage.submit(
                NewUpload(
                    applicationId: application, uploader: "u", receipt: nil, slot: .attachment, fileName: name,
                    sha256: stored.sha256, bytes: stored.bytes),
                maxAttempts: 3
            ) { CaseRules.decideSubmission(application: application, uploader: "u", receipt: nil, snapshot: $0) }
            guard case .recorded(let result) = outcome else { throw CancellationError() }
            return result
        }

        func verdict(of upload: String) async throws -> [Verdict?] {
            try await storage.status(uploadId: upload)?.items.map { $0.latest?.verdict } ?? []
        }
    }

    @Test("Until empty, every queued upload gets exactly one verdict, judged under the policy's limits")
    func drainsTheQueue() async throws {
        let harness = try Harness()
        var uploads: [String] = []
        for index in 0..<6 { uploads.append(try await harness.submit(Array("pdf \(index)".utf8)).upload.id) }
        try await harness.processor(untilEmpty: true).run()
        for upload in uploads {
            let status = try #require(try await harness.storage.status(uploadId: upload))
            #expect(status.job?.state == .succeeded)
            #expect(status.items.map(\.history) == [1])
            #expect(status.items.first?.latest?.verdict == .accepted)
        }
        #expect(harness.inspector.requestCount == 6)
    }

    @Test("Logs carry job and upload ids as metadata, and never the uploader's file name")
    func logsIdsOnly() async throws {
        let harness = try Harness()
        let result = try await harness.submit(Array("pdf".utf8), name: "山田太郎-passport.pdf")
        try await harness.processor(untilEmpty: true).run()
        let judged = try #require(harness.logs.entries.first { $0.message.description == "Upload judged" })
        #expect(judged.metadata["intake.job.id"]?.description == result.job.id)
        #expect(judged.metadata["intake.upload.id"]?.description == result.upload.id)
        let everything = harness.logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("山田太郎"))
    }

    @Test("On graceful shutdown the worker claims nothing more and finishes the job in flight")
    func gracefulShutdown() async throws {
        let harness = try Harness(holdingInspections: true)
        let first = try await harness.submit(Array("first".utf8))
        let processor = harness.processor(untilEmpty: false)
        var second: SubmitResult?
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await processor.run() }
                while harness.inspector.requestCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
                trigger.triggerGracefulShutdown()
                // Queued while the worker drains: it must not take it, though it has room for two jobs.
                second = try await harness.submit(Array("second".utf8))
                #expect(try await harness.storage.job(id: first.job.id)?.state == .running, "still in flight")
                harness.inspector.release()
                try await group.waitForAll()
            }
        }
        #expect(try await harness.verdict(of: first.upload.id) == [.accepted], "the job in flight finished")
        let queued = try #require(second)
        let left = try #require(try await harness.storage.job(id: queued.job.id))
        #expect(left.state == .queued && left.attempts == 0, "the later upload was left queued for another start")
        #expect(harness.inspector.requestCount == 1)
    }

    @Test("A handler whose lease is lost is cancelled and records nothing; the new holder's result stands")
    func lostLease() async throws {
        let harness = try Harness(holdingInspections: true)
        let result = try await harness.submit(Array("slow".utf8))
        let processor = harness.processor(untilEmpty: false, lease: .milliseconds(300))
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await processor.run() }
                while harness.inspector.requestCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
                // The store's clock jumps past the lease and another worker takes the job (again, should a renewal
                // slip in between the jump and the claim).
                var stolen: ClaimedJob?
                while stolen == nil {
                    harness.clock.advance(by: .seconds(10))
                    stolen = try await harness.storage.claim(worker: "thief", limit: 1, lease: .seconds(60)).first
                }
                let thief = try #require(stolen)
                while !harness.logs.entries.contains(where: { $0.message.description.hasPrefix("Lease lost") }) {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await harness.verdict(of: result.upload.id).isEmpty, "the first worker recorded nothing")
                try await harness.storage.complete(thief) { _ in
                    [
                        ItemResult(
                            item: ItemRecord(
                                id: "\(result.upload.id)-1", uploadId: result.upload.id, ordinal: 1, title: "t",
                                firstPage: 1, lastPage: 1, sha256: result.upload.sha256, bytes: result.upload.bytes),
                            verdict: .rejected, findings: [.unsplittable("thief")],
                            facts: FileFacts(mime: "application/pdf", bytes: 1, sha256: result.upload.sha256),
                            policyVersion: "p")
                    ]
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(try await harness.verdict(of: result.upload.id) == [.rejected])
        let status = try #require(try await harness.storage.status(uploadId: result.upload.id))
        #expect(status.items.first?.history == 1, "one verdict: the new holder's")
    }

    @Test("A job queued in the same process wakes the idle worker at once, long before its next poll")
    func wakeup() async throws {
        let harness = try Harness()
        let wakeup = JobWakeup()
        var idle = harness.processor(untilEmpty: false)
        idle.settings.pollInterval = .seconds(600)
        idle.wakeup = wakeup
        let processor = idle
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await processor.run() }
                // Let the worker find the queue empty and fall asleep for its (ten-minute) poll interval.
                try await Task.sleep(for: .milliseconds(200))
                let result = try await harness.submit(Array("woken".utf8))
                wakeup.signal()
                while try await harness.verdict(of: result.upload.id).isEmpty {
                    try await Task.sleep(for: .milliseconds(10))
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test("A signal that comes while no worker waits is kept for the next wait")
    func pendingSignal() async {
        let wakeup = JobWakeup()
        wakeup.signal()
        // Returns at once; were the signal lost, this would wait the whole ten minutes and the test time out.
        await wakeup.wait(upTo: .seconds(600))
    }

    @Test("An inspector that cannot run makes the job retry, then end dead with the reason, never a verdict")
    func unavailableInspector() async throws {
        let harness = try Harness()
        let bytes = Array("unavailable".utf8)
        let result = try await harness.submit(bytes)
        harness.inspector.answer(
            sha256: result.upload.sha256,
            with: FileFacts(
                mime: "", bytes: 0, sha256: result.upload.sha256,
                inspectionFailure: InspectionFailure(reason: .unavailable, message: "no libmagic database")))
        var quick = harness.processor(untilEmpty: true)
        quick.settings.retry = RetryStrategy(base: .milliseconds(1), maximum: .milliseconds(1))
        let processor = quick
        let clock = harness.clock
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await processor.run() }
            // Backoff is by the store's clock: move it on while the worker waits.
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(10))
                    clock.advance(by: .seconds(1))
                }
            }
            try await group.next()
            group.cancelAll()
        }
        let job = try #require(try await harness.storage.job(id: result.job.id))
        #expect(job.state == .dead)
        #expect(job.attempts == 3)
        #expect(job.lastError?.contains("inspector unavailable") == true)
        #expect(try await harness.verdict(of: result.upload.id).isEmpty)
    }
}

extension Array where Element == [UInt8] {
    /// The chunks as the asynchronous stream `BlobStore.write` reads.
    var async: AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            for chunk in self { continuation.yield(chunk) }
            continuation.finish()
        }
    }
}
