import IntakeStore
import PostgresNIO
import Synchronization

/// Gathers the `succeed` calls that arrive while one is being written into the next single statement, as River's
/// batch completer does: with many jobs finishing at once, a commit (and its wait for the disk) is shared by all
/// of them instead of paid by each. A lone call is written at once, so nothing waits for a batch to fill.
final class CompletionBatcher: Sendable {
    private struct Waiter {
        var jobId: String
        var leaseToken: String
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private struct State {
        var pending: [Waiter] = []
        var isWriting = false
    }

    private let state = Mutex(State())

    /// Writes `(job id, lease token)` pairs and returns the ids whose lease was still current.
    typealias Write = @Sendable (_ jobIds: [String], _ leaseTokens: [String]) async throws -> Set<String>

    /// True when the job was marked succeeded under this lease token, false when the token was no longer current.
    func succeed(jobId: String, leaseToken: String, write: @escaping Write) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriting = state.withLock { state in
                state.pending.append(Waiter(jobId: jobId, leaseToken: leaseToken, continuation: continuation))
                guard !state.isWriting else { return false }
                state.isWriting = true
                return true
            }
            if startsWriting { Task { await self.writeUntilEmpty(write) } }
        }
    }

    /// Writes what is pending, then what arrived meanwhile, until nothing is left.
    private func writeUntilEmpty(_ write: Write) async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let batch = state.pending
                state.pending = []
                if batch.isEmpty { state.isWriting = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let succeeded = try await write(batch.map(\.jobId), batch.map(\.leaseToken))
                for waiter in batch { waiter.continuation.resume(returning: succeeded.contains(waiter.jobId)) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
