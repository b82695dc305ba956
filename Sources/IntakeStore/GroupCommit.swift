import Synchronization

/// Gathers the writes that arrive while one is being written into the next batch, as River's batch completer and a
/// database's group commit do: with many jobs finishing at once, one transaction (and its wait for the disk) is
/// shared by all of them instead of paid by each. A lone request is written at once, so nothing waits for a batch
/// to fill.
///
/// A batch that fails is written again one request at a time, so a request that cannot be written fails only
/// itself, never the others it happened to arrive with.
public final class GroupCommit<Request: Sendable, Response: Sendable>: Sendable {
    /// Writes a batch in one transaction: one response per request, in order, or a throw and nothing written.
    public typealias Write = @Sendable (_ batch: [Request]) async throws -> [Response]

    private struct Waiter {
        var request: Request
        var continuation: CheckedContinuation<Response, any Error>
    }

    private struct State {
        var pending: [Waiter] = []
        var isWriting = false
    }

    private let state = Mutex(State())
    /// The most requests one transaction takes; the rest wait for the next.
    private let maximumBatch: Int

    public init(maximumBatch: Int = 256) {
        self.maximumBatch = max(1, maximumBatch)
    }

    /// Returns `request`'s response once the batch holding it has committed. Every caller passes the same
    /// `write`; the one whose request starts a batch has its closure write the batch.
    public func submit(_ request: Request, write: @escaping Write) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let startsWriting = state.withLock { state in
                state.pending.append(Waiter(request: request, continuation: continuation))
                guard !state.isWriting else { return false }
                state.isWriting = true
                return true
            }
            // Unstructured on purpose: the writer outlives the request that started it while later ones arrive,
            // and it ends on its own once nothing is pending.
            if startsWriting { Task { await self.writeUntilEmpty(write) } }
        }
    }

    /// Writes what is pending, then what arrived meanwhile, until nothing is left.
    private func writeUntilEmpty(_ write: Write) async {
        while true {
            let batch = state.withLock { state -> [Waiter] in
                let batch = Array(state.pending.prefix(maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.isWriting = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let responses = try await write(batch.map(\.request))
                precondition(responses.count == batch.count, "a group commit's write answers every request")
                for (waiter, response) in zip(batch, responses) { waiter.continuation.resume(returning: response) }
            } catch {
                guard batch.count > 1 else {
                    batch[0].continuation.resume(throwing: error)
                    continue
                }
                for waiter in batch {
                    do {
                        let responses = try await write([waiter.request])
                        precondition(responses.count == 1, "a group commit's write answers every request")
                        waiter.continuation.resume(returning: responses[0])
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
