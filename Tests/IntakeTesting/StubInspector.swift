import ArchiveInspection
import ContentAddressing
import Foundation
import IntakeCore
import IntakeWorker
import Synchronization

/// An inspector that answers from a table instead of parsing, for in-process tests of the worker: what a real
/// inspector would have found in each file (by SHA-256 of its content), a clean one-page PDF by default.
public final class StubInspector: Inspector {
    private let answers: Mutex<[String: FileFacts]>
    private let requests = Mutex(0)
    /// While set, inspections wait for `release()`: a test that needs a job in flight holds it there for as long
    /// as it takes, however slow the machine, instead of racing a delay.
    private let held: Mutex<Bool>

    public init(holding: Bool = false) {
        answers = Mutex([:])
        held = Mutex(holding)
    }

    /// Lets held inspections finish, and later ones run at once.
    public func release() { held.withLock { $0 = false } }

    /// Files whose content has this digest get these facts.
    public func answer(sha256: String, with facts: FileFacts) {
        answers.withLock { $0[sha256] = facts }
    }

    /// How many inspections were asked for.
    public var requestCount: Int { requests.withLock { $0 } }

    public func inspect(path: String, separators: SeparatorRule?, landmarkModel: String?) async -> FileFacts {
        requests.withLock { $0 += 1 }
        while held.withLock({ $0 }) && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        let sha256 = bytes.withUnsafeBytes { Digest.sha256Hex($0) }
        if let facts = answers.withLock({ $0[sha256] }) { return facts }
        return Self.cleanPDF(bytes: Int64(bytes.count), sha256: sha256)
    }

    public func split(source: String, ranges: [ClosedRange<Int>], outputs: [String]) async -> SplitOutcome {
        .refused("the stub inspector does not split")
    }

    /// The real reader, in this process: the stub stands in for the child, not for the archive's rules.
    public func readArchive(path: String, scratch: String, limits: ArchiveLimits) async -> ArchiveOutcome {
        .read(ArchiveReader.read(path: path, scratch: scratch, limits: limits))
    }

    /// The facts of a plain, unencrypted one-page PDF.
    public static func cleanPDF(bytes: Int64, sha256: String) -> FileFacts {
        FileFacts(
            mime: "application/pdf", bytes: bytes, sha256: sha256,
            pdf: PDFFacts(version: "1.7", pages: 1, encrypted: false, securityHandler: nil, needsPassword: false))
    }
}
