import ContentAddressing
import Foundation
import Glibc
import IntakeCore
import IntakeStore
import Logging
import ServiceLifecycle
import Synchronization

/// The job processor: claims jobs, inspects their uploads in isolated children, records verdicts.
///
/// Runs at most `settings.concurrency` jobs at once in a task group and refills it as jobs end. On graceful
/// shutdown it stops claiming and lets the jobs in flight finish (each is bounded by the inspection deadline);
/// a job cut off by a harder stop keeps its lease, which expires and lets another worker run it again.
public struct Worker: Service {
    public var storage: any IntakeStorage
    public var blobs: BlobStore
    public var inspectors: InspectorPool
    public var policy: Policy
    public var settings: WorkerSettings
    /// Stop when no unfinished job remains (batch use), instead of waiting for more.
    public var untilEmpty: Bool
    public var logger: Logger
    /// Seconds since 1970; injected so tests can control time.
    public var clock: @Sendable () -> Double
    public var workerId: String

    public init(
        storage: any IntakeStorage, blobs: BlobStore, inspectors: InspectorPool, policy: Policy,
        settings: WorkerSettings, untilEmpty: Bool, logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        workerId: String = "\(ProcessInfo.processInfo.hostName):\(getpid())"
    ) {
        self.storage = storage
        self.blobs = blobs
        self.inspectors = inspectors
        self.policy = policy
        self.settings = settings
        self.untilEmpty = untilEmpty
        self.logger = logger
        self.clock = clock
        self.workerId = workerId
    }

    public func run() async throws {
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await runLoop { stopping.isSet }
        } onGracefulShutdown: {
            stopping.set()
        }
    }

    /// What a child task of the loop reports when it ends.
    private enum Event: Sendable {
        case jobEnded
        case tick
    }

    /// Claims while there is room, and otherwise waits for whichever comes first: a job ending (room again) or
    /// the poll interval (new work may have arrived). Jobs are never cancelled: on shutdown they finish.
    private func runLoop(isStopping: @escaping @Sendable () -> Bool) async throws {
        logger.info(
            "Worker started",
            metadata: ["intake.worker": "\(workerId)", "intake.concurrency": "\(settings.concurrency)"])
        await withTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var tickPending = false
            while !isStopping() && !Task.isCancelled {
                if inFlight < settings.concurrency {
                    do {
                        if let claim = try await storage.claim(worker: workerId, lease: settings.lease, now: clock()) {
                            inFlight += 1
                            group.addTask {
                                await process(claim)
                                return .jobEnded
                            }
                            continue
                        }
                    } catch {
                        logger.warning("Claim failed", metadata: ["intake.error": "\(error)"])
                    }
                }
                var pause = settings.pollInterval
                if untilEmpty, inFlight == 0 {
                    let unfinished = try? await storage.unfinishedJobs(now: clock())
                    if let unfinished, unfinished.count == 0 { break }
                    if let due = unfinished?.nextDue {
                        // A retry or an expired lease is due soon: wake for it rather than a whole interval later.
                        let wait = max(0.01, min(settings.pollInterval.seconds, due - clock() + 0.01))
                        pause = .milliseconds(Int64(wait * 1000))
                    }
                }
                if !tickPending {
                    tickPending = true
                    group.addTask {
                        try? await Task.sleep(for: pause)
                        return .tick
                    }
                }
                switch await group.next() {
                case .jobEnded?: inFlight -= 1
                case .tick?: tickPending = false
                case nil: break
                }
            }
            // Shutdown: claim nothing more; the jobs in flight finish and are recorded.
            for await event in group where event == .jobEnded { inFlight -= 1 }
        }
        logger.info("Worker stopped", metadata: ["intake.worker": "\(workerId)"])
    }

    /// Processes one claimed job to its end state; never throws.
    func process(_ claim: ClaimedJob) async {
        var metadata: Logger.Metadata = [
            "intake.job.id": "\(claim.job.id)", "intake.job.kind": "\(claim.job.kind)",
            "intake.job.attempt": "\(claim.job.attempts)",
        ]
        switch (claim.job.kind, claim.upload) {
        case (JobKind.processUpload, let upload?):
            metadata["intake.upload.id"] = "\(upload.id)"
            await processUpload(claim, upload: upload, metadata: metadata)
        case (JobKind.reprocessApplication, _):
            metadata["intake.application.id"] = "\(claim.job.applicationId ?? "")"
            await reprocess(claim, metadata: metadata)
        default:
            await fail(claim, error: "unknown job kind \(claim.job.kind)", retriable: false, metadata: metadata)
        }
    }

    /// Judges an application's items again from their stored facts, under this worker's policy.
    private func reprocess(_ claim: ClaimedJob, metadata: Logger.Metadata) async {
        let processor = UploadProcessor(policy: policy)
        do {
            let recorded = try await storage.completeReprocess(claim, now: clock()) { processor.replay($0) }
            logger.info(
                "Reprocessed", metadata: metadata.merging(["intake.verdicts.new": "\(recorded)"]) { $1 })
        } catch {
            await recordingFailed(claim, error: error, metadata: metadata)
        }
    }

    /// A result that could not be recorded: dropped if another worker now holds the job, else a failed attempt.
    private func recordingFailed(_ claim: ClaimedJob, error: any Error, metadata: Logger.Metadata) async {
        switch error {
        case let error as StoreError where error.code == .leaseLost:
            logger.warning("Lease lost; result discarded", metadata: metadata)
        case let error as StoreError:
            await fail(claim, error: error.description, retriable: error.isRetriable, metadata: metadata)
        default:
            await fail(claim, error: "\(error)", retriable: false, metadata: metadata)
        }
    }

    /// What inspecting an upload (and splitting it, for a bundle) came to.
    private enum UploadOutcome: Sendable {
        case judged([ItemResult])
        /// A fault worth another attempt: the inspector or the storage could not do its part.
        case retry(String)
    }

    private func processUpload(_ claim: ClaimedJob, upload: UploadRecord, metadata: Logger.Metadata) async {
        logger.debug("Job started", metadata: metadata)
        let outcome = await withLeaseRenewal(claim) { await judge(upload, attempt: claim.job) }
        switch outcome {
        case .retry(let reason):
            await fail(claim, error: reason, retriable: true, metadata: metadata)
        case .judged(let results):
            let processor = UploadProcessor(policy: policy)
            let slot = upload.slot
            do {
                try await storage.complete(claim, now: clock()) { usage in
                    processor.applyingApplicationLimits(results, slot: slot, usage: usage)
                }
                logger.info("Job succeeded", metadata: metadata.merging(["intake.items": "\(results.count)"]) { $1 })
            } catch {
                await recordingFailed(claim, error: error, metadata: metadata)
            }
        }
    }

    /// Inspects an upload and, when it is a bundle that passes and has documents to separate, splits it and
    /// inspects each item. A bundle that is itself rejected is not split: its one item says why.
    private func judge(_ upload: UploadRecord, attempt job: JobRecord) async -> UploadOutcome {
        let started = ContinuousClock.now
        // A bundle without a manifest may be split at separator sheets: have the inspector look for them.
        let separators = upload.bundle.flatMap { $0.manifest == nil ? policy.separators : nil }
        let facts = await inspectors.inspect(
            path: blobs.path(for: upload.sha256), separators: separators,
            landmarkModel: upload.slot == .photo ? settings.landmarkModel : nil)
        if let failure = facts.inspectionFailure, failure.reason == .unavailable {
            // The inspector could not run: retry, and if it never can, the job ends dead with the reason, never
            // with a verdict that blames the file.
            return .retry("inspector unavailable: \(failure.message)")
        }
        if let failure = facts.inspectionFailure, failure.reason == .unreadable, job.attempts < job.maxAttempts {
            // Storage may come back (a remount, a transient I/O error): retry before declaring the file unreadable.
            return .retry("blob unreadable: \(failure.message)")
        }
        let processor = UploadProcessor(policy: policy)
        var whole = processor.fileResult(for: upload, facts: facts)
        whole.durationMs = (ContinuousClock.now - started).seconds * 1000
        guard let bundle = upload.bundle, whole.verdict == .accepted else { return .judged([whole]) }
        switch processor.plan(bundle: bundle, upload: upload, facts: facts) {
        case .whole:
            return .judged([whole])
        case .invalid(let finding):
            whole.findings.append(finding)
            whole.verdict = .rejected
            return .judged([whole])
        case .split(let documents):
            return await split(upload, into: documents, whole: whole, processor: processor)
        }
    }

    /// Writes the bundle's documents as items (in a child), stores each as a blob, and inspects each.
    private func split(
        _ upload: UploadRecord, into documents: [PlannedDocument], whole: ItemResult, processor: UploadProcessor
    ) async -> UploadOutcome {
        let temporary = documents.indices.map { "\(blobs.root)/tmp/split-\(upload.id)-\($0 + 1).pdf" }
        defer { for path in temporary { unlink(path) } }
        switch await inspectors.split(
            source: blobs.path(for: upload.sha256), ranges: documents.map(\.pages), outputs: temporary)
        {
        case .written:
            break
        case .failed(let failure) where failure.reason == .unavailable:
            return .retry("inspector unavailable: \(failure.message)")
        case .failed(let failure):
            return .judged([rejecting(whole, with: .unsplittable(failure.message))])
        case .refused(let message):
            return .judged([rejecting(whole, with: .unsplittable(message))])
        }
        var items: [ItemResult] = []
        for (index, document) in documents.enumerated() {
            let stored: BlobStore.Stored
            do {
                stored = try blobs.store(fileAt: temporary[index])
            } catch {
                return .retry("storing item \(index + 1): \(error.message)")
            }
            let facts = await inspectors.inspect(path: blobs.path(for: stored.sha256))
            if let failure = facts.inspectionFailure, failure.reason == .unavailable {
                return .retry("inspector unavailable: \(failure.message)")
            }
            items.append(
                processor.itemResult(
                    upload: upload, ordinal: index + 1, document: document, sha256: stored.sha256, bytes: stored.bytes,
                    facts: facts))
        }
        return .judged(items)
    }

    private func rejecting(_ result: ItemResult, with finding: Finding) -> ItemResult {
        var rejected = result
        rejected.findings.append(finding)
        rejected.verdict = .rejected
        return rejected
    }

    private func fail(_ claim: ClaimedJob, error: String, retriable: Bool, metadata: Logger.Metadata) async {
        var generator = SystemRandomNumberGenerator()
        let now = clock()
        let retryAt = retriable ? now + settings.retry.delay(afterAttempt: claim.job.attempts, using: &generator) : nil
        logger.warning(
            "Job failed", metadata: metadata.merging(["intake.error": "\(error)"], uniquingKeysWith: { $1 }))
        do {
            try await storage.fail(claim, error: error, retryAt: retryAt, now: now)
        } catch {
            // The lease will expire and another worker (or this one) will take the job again.
            logger.error("Could not record failure", metadata: ["intake.error": "\(error)"])
        }
    }

    /// Runs `body` while renewing the job's lease at a third of its length.
    private func withLeaseRenewal<Result: Sendable>(
        _ claim: ClaimedJob, _ body: @Sendable () async -> Result
    ) async -> Result {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let interval = Duration.milliseconds(Int64(settings.lease.seconds * 1000 / 3))
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    let held = (try? await storage.renew(claim, lease: settings.lease, now: clock())) ?? true
                    if !held { break }
                }
            }
            let result = await body()
            group.cancelAll()
            return result
        }
    }
}

/// Set once, from the shutdown handler; read by the loop.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
