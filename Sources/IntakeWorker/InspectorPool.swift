import Dispatch
import IntakeCore

/// A fixed set of isolated inspectors, each used by one job at a time.
///
/// Inspection blocks (it waits on a child process), so it runs on Dispatch's threads, never on the Swift
/// cooperative pool, where a slow file would starve every other task.
public actor InspectorPool {
    private var idle: [IsolatedInspector]
    private var waiters: [CheckedContinuation<IsolatedInspector, Never>] = []

    public init(size: Int, executable: String, limits: InspectionLimits) {
        idle = (0..<max(1, size)).map { _ in IsolatedInspector(executable: executable, limits: limits) }
    }

    /// Inspects one file in a child process within the limits; with `landmarkModel`, measures a photo too.
    public func inspect(path: String, separators: SeparatorRule? = nil, landmarkModel: String? = nil) async
        -> FileFacts
    {
        await withInspector { $0.inspect(path: path, separators: separators, landmarkModel: landmarkModel) }
    }

    /// Writes page ranges of a PDF as new PDFs in a child process within the limits.
    public func split(source: String, ranges: [ClosedRange<Int>], outputs: [String]) async
        -> IsolatedInspector.SplitOutcome
    {
        await withInspector { $0.split(source: source, ranges: ranges, outputs: outputs) }
    }

    private func withInspector<Result: Sendable>(
        _ work: @escaping @Sendable (IsolatedInspector) -> Result
    ) async -> Result {
        let inspector = await checkOut()
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: work(inspector))
            }
        }
        checkIn(inspector)
        return result
    }

    private func checkOut() async -> IsolatedInspector {
        if let inspector = idle.popLast() { return inspector }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func checkIn(_ inspector: IsolatedInspector) {
        if waiters.isEmpty {
            idle.append(inspector)
        } else {
            waiters.removeFirst().resume(returning: inspector)
        }
    }
}
