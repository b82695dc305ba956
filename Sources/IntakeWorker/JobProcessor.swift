import Foundation
import IntakeCore
import IntakeStore
import Logging
import ServiceLifecycle
import Synchronization

/// The worker: claims jobs in batches, runs each with the handler of its kind, records how it ended.
///
/// Holds up to twice `settings.concurrency` jobs in a task group (swift-jobs' `JobQueueProcessor`): one inspecting
/// in each of the `settings.concurrency` inspector children, and one behind each, ready for the child the moment
/// the job before it has been inspected and is being recorded. So a child never waits for the store, and jobs are
/// claimed (and their results recorded, `GroupCommit`) several at a time. It claims again once only
/// `settings.concurrency` are left. On graceful shutdown it stops claiming and lets the jobs in flight finish (each
/// is bounded by the inspection deadline); a job cut off by a harder stop keeps its lease, which expires and lets
/// another worker run it again.
public struct JobProcessor: Service {
    public var storage: any IntakeStorage
    public var handlers: [JobKind: any JobHandler]
    public var settings: WorkerSettings
    /// Stop when no unfinished job remains (batch use), instead of waiting for more.
    public var untilEmpty: Bool
    public var logger: Logger
    /// Fresh for every start, so a restarted worker is never mistaken for its earlier self.
    public var workerId: String
    /// Wakes the idle loop when this process queues a job; without it the loop polls.
    public var wakeup: JobWakeup?

    public init(
        storage: any IntakeStorage, handlers: [any JobHandler], settings: WorkerSettings, untilEmpty: Bool,
        logger: Logger, wakeup: JobWakeup? = nil,
        workerId: String = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(Identifier.make("W"))"
    ) {
        self.wakeup = wakeup
        self.storage = storage
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { $1 })
        self.settings = settings
        self.untilEmpty = untilEmpty
        self.logger = logger
        self.workerId = workerId
    }

    public func run() async throws {
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await runLoop { stopping.isSet }
        } onGracefulShutdown: { [wakeup] in
            stopping.set()
            // An idle loop waiting for work notices the shutdown now, not at the end of its poll interval.
            wakeup?.signal()
        }
    }

    /// What a child task of the loop reports when it ends.
    private enum Event: Sendable {
        case jobEnded
        case tick
    }

    /// Claims while there is room, and otherwise waits for whichever comes first: a job ending (room again) or
    /// the poll interval (new work may have arrived). Jobs are never cancelled by shutdown: they finish.
    private func runLoop(isStopping: @escaping @Sendable () -> Bool) async throws {
        logger.info(
            "Worker started",
            metadata: ["intake.worker": "\(workerId)", "intake.concurrency": "\(settings.concurrency)"])
        await withTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var tickPending = false
            let held = 2 * settings.concurrency
            while !isStopping() && !Task.isCancelled {
                if inFlight <= settings.concurrency {
                    do {
                        let claims = try await storage.claim(
                            worker: workerId, limit: held - inFlight, lease: settings.lease)
                        for claim in claims {
                            inFlight += 1
                            group.addTask {
                                await process(claim)
                                return .jobEnded
                            }
                        }
                        if !claims.isEmpty { continue }
                    } catch {
                        logger.warning("Claim failed", metadata: ["intake.error": "\(error)"])
                    }
                }
                var pause = settings.pollInterval
                if untilEmpty, inFlight == 0 {
                    let unfinished = try? await storage.unfinishedJobs()
                    if let unfinished, unfinished.count == 0 { break }
                    if let due = unfinished?.nextDueIn {
                        // A retry or an expired lease is due soon: wake for it rather than a whole interval later.
                        pause = max(.milliseconds(10), min(settings.pollInterval, due + .milliseconds(10)))
                    }
                }
                if !tickPending {
                    tickPending = true
                    group.addTask { [wakeup] in
                        if let wakeup {
                            await wakeup.wait(upTo: pause)
                        } else {
                            try? await Task.sleep(for: pause)
                        }
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

    /// How one run of a handler ended.
    private enum Run: Sendable {
        case finished
        case failed(any Error)
        case leaseLost
    }

    /// Processes one claimed job to its end state; never throws.
    func process(_ claim: ClaimedJob) async {
        var logger = logger
        logger[metadataKey: "intake.job.id"] = "\(claim.job.id)"
        logger[metadataKey: "intake.job.kind"] = "\(claim.job.kind)"
        logger[metadataKey: "intake.job.attempt"] = "\(claim.job.attempts)"
        if let upload = claim.upload { logger[metadataKey: "intake.upload.id"] = "\(upload.id)" }
        guard let handler = handlers[claim.job.kind] else {
            await fail(
                claim, error: JobFailure("no handler for job kind \(claim.job.kind)", isRetriable: false),
                logger: logger)
            return
        }
        let jobLogger = logger
        switch await withLeaseKept(claim, logger: logger, { try await handler.handle(claim, logger: jobLogger) }) {
        case .finished:
            logger.debug("Job succeeded")
            IntakeMetrics.jobEnded(kind: claim.job.kind, outcome: "succeeded")
        case .leaseLost:
            logger.warning("Lease lost; the job was cancelled and recorded nothing")
            IntakeMetrics.jobEnded(kind: claim.job.kind, outcome: "lease_lost")
        case .failed(let error as StoreError) where error.code == .leaseLost:
            logger.warning("Lease lost; result discarded")
            IntakeMetrics.jobEnded(kind: claim.job.kind, outcome: "lease_lost")
        case .failed(let error):
            await fail(claim, error: error, logger: logger)
        }
    }

    /// Runs `body` while renewing the job's lease at a third of its length; cancels `body` as soon as a renewal
    /// finds the lease gone (another worker reclaimed the job), and waits for it to end.
    private func withLeaseKept(
        _ claim: ClaimedJob, logger: Logger, _ body: @escaping @Sendable () async throws -> Void
    ) async -> Run {
        await withTaskGroup(of: Run?.self) { group in
            group.addTask {
                do {
                    try await body()
                    return .finished
                } catch is CancellationError {
                    return .leaseLost
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                let interval = settings.lease / 3
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return nil }
                    do {
                        if try await !storage.renew(claim, lease: settings.lease) { return .leaseLost }
                    } catch {
                        // A store that is briefly busy is not a lost lease: try again at the next interval.
                        logger.warning("Lease renewal failed", metadata: ["intake.error": "\(error)"])
                    }
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            var handlerRun: Run?
            for await run in group { if let run { handlerRun = run } }
            // The renewal ends first only when it found the lease gone; then whatever the cancelled handler did
            // was refused by the store's fence, and the lost lease is what happened.
            if case .leaseLost? = first { return .leaseLost }
            return first ?? handlerRun ?? .leaseLost
        }
    }

    private func fail(_ claim: ClaimedJob, error: any Error, logger: Logger) async {
        let retriable: Bool
        var handlerDelay: Duration?
        switch error {
        case let failure as JobFailure: (retriable, handlerDelay) = (failure.isRetriable, failure.retryAfter)
        case let failure as StoreError: retriable = failure.isRetriable
        default: retriable = false
        }
        var generator = SystemRandomNumberGenerator()
        let retryAfter =
            retriable
            ? handlerDelay ?? settings.retry.delay(afterAttempt: claim.job.attempts, using: &generator) : nil
        logger.warning("Job failed", metadata: ["intake.error": "\(error)"])
        let willRetry = retryAfter != nil && claim.job.attempts < claim.job.maxAttempts
        IntakeMetrics.jobEnded(kind: claim.job.kind, outcome: willRetry ? "retrying" : "dead")
        do {
            try await storage.fail(claim, error: "\(error)", retryAfter: retryAfter)
        } catch {
            // The lease will expire and another worker (or this one) will take the job again.
            logger.error("Could not record failure", metadata: ["intake.error": "\(error)"])
        }
    }
}

/// Set once, from the shutdown handler; read by the loop.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
