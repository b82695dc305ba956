import IntakeStore
import Logging

/// Does one kind of job. The processor claims the job, keeps its lease alive while `handle` runs, cancels `handle`
/// when the lease is lost, and records a thrown error as a failed attempt.
///
/// A handler records its result through the store's fenced calls (`complete`, `completeReprocess`), which refuse
/// a claim whose lease token is no longer current: a handler that lost its lease records nothing, even if it did
/// not notice its cancellation in time.
public protocol JobHandler: Sendable {
    var kind: JobKind { get }
    func handle(_ claim: ClaimedJob, logger: Logger) async throws
}

/// A job that could not be done this time. Retriable faults (an inspector that could not start, storage that came
/// and went) are tried again with backoff; others make the job `dead` with `message` as its last error.
public struct JobFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var isRetriable: Bool
    /// The handler's own delay before the retry (a webhook's schedule), instead of the queue's backoff.
    public var retryAfter: Duration?
    public var description: String { message }

    public init(_ message: String, isRetriable: Bool, retryAfter: Duration? = nil) {
        self.message = message
        self.isRetriable = isRetriable
        self.retryAfter = retryAfter
    }
}
