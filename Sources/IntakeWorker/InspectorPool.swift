import ArchiveInspection
import Dispatch
import IntakeCore

/// Inspects untrusted bytes and writes a bundle's items. The worker holds one; `InspectorPool` runs each request in
/// an isolated child process, and tests may stand in a stub.
public protocol Inspector: Sendable {
    /// The facts of the file at `path`: never throws, as a failure to inspect is itself a fact.
    func inspect(path: String, separators: SeparatorRule?, landmarkModel: String?) async -> FileFacts
    /// Writes page ranges (1-based, inclusive) of the PDF at `source` as new PDFs at `outputs`.
    func split(source: String, ranges: [ClosedRange<Int>], outputs: [String]) async -> SplitOutcome
    /// Reads the bulk archive at `path`, writing the entries its rows name into `scratch`.
    func readArchive(path: String, scratch: String, limits: ArchiveLimits) async -> ArchiveOutcome
}

/// How reading a bulk archive went.
public enum ArchiveOutcome: Sendable, Hashable {
    case read(ArchiveListing)
    /// The child crashed, timed out, ran out of memory or could not run: the archive could not be judged.
    case failed(InspectionFailure)
}

/// How writing a bundle's items went.
public enum SplitOutcome: Sendable, Hashable {
    case written
    /// qpdf could not read or write the PDF.
    case refused(String)
    /// The child crashed, timed out or could not run.
    case failed(InspectionFailure)
}

/// A fixed set of isolated inspectors, each used by one job at a time.
///
/// Inspection blocks (it waits on a child process), so it runs on Dispatch's threads, never on the Swift
/// cooperative pool, where a slow file would starve every other task.
public actor InspectorPool: Inspector {
    private var idle: [IsolatedInspector]
    private var waiters: [CheckedContinuation<IsolatedInspector, Never>] = []

    public init(size: Int, executable: String, limits: InspectionLimits, confinement: InspectionConfinement) {
        idle = (0..<max(1, size)).map { _ in
            IsolatedInspector(executable: executable, limits: limits, confinement: confinement)
        }
    }

    /// Inspects one file in a child process within the limits; with `landmarkModel`, measures a photo too.
    public func inspect(path: String, separators: SeparatorRule? = nil, landmarkModel: String? = nil) async
        -> FileFacts
    {
        await withInspector { $0.inspect(path: path, separators: separators, landmarkModel: landmarkModel) }
    }

    /// Writes page ranges of a PDF as new PDFs in a child process within the limits.
    public func split(source: String, ranges: [ClosedRange<Int>], outputs: [String]) async -> SplitOutcome {
        await withInspector { $0.split(source: source, ranges: ranges, outputs: outputs) }
    }

    /// Reads a bulk archive in a child process within the limits.
    public func readArchive(path: String, scratch: String, limits: ArchiveLimits) async -> ArchiveOutcome {
        await withInspector { $0.readArchive(path: path, scratch: scratch, limits: limits) }
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
