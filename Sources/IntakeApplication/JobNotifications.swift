import IntakeStorePostgres
import IntakeWorker
import Logging
import ServiceLifecycle

/// Wakes this process's idle worker when any process queues a job on the shared PostgreSQL (`LISTEN`/`NOTIFY`),
/// so an upload taken by an API host is picked up by a worker host at once rather than at its next poll. A lost
/// connection is listened on again after a pause; meanwhile, and for any notification lost with it, the worker's
/// polling (`queue.poll_interval`) still finds every job: a lost signal costs one interval, never a job.
struct JobNotifications: Service {
    let store: PostgresStore
    let wakeup: JobWakeup
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.listenForQueuedJobs { [wakeup] in wakeup.signal() }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("Listening for queued jobs failed", metadata: ["intake.error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
