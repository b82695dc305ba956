import ArchiveInspection
import Glibc
import IntakeCore

/// Lines exchanged with the isolated inspector process, one JSON document per line.
enum InspectionProtocol {
    struct Request: Codable {
        var path: String
        /// When set, write these page ranges of `path` as new PDFs instead of inspecting it.
        var split: Split?
        /// When set, also find the separator sheets of a bundle.
        var separators: SeparatorRule?
        /// When set, measure a JPEG or PNG as a face photo with the landmark model at this path.
        var landmarkModel: String?
        /// When set, read `path` as a bulk archive, writing the entries its rows name into this folder.
        var archive: ArchiveRequest?
        /// Tests only: try something the confinement must refuse.
        var probe: Probe?
    }

    /// What a test asks the confined child to try, to show that the confinement refuses it. Only `IsolatedInspector`
    /// builds requests (an upload supplies bytes, never a request), and the child honours a probe only when its
    /// environment has `INTAKE_INSPECTOR_PROBES=1`, which nothing but the tests sets; any other child exits.
    enum Probe: String, Codable {
        /// Open a TCP socket: seccomp answers EPERM.
        case socket
        /// Run /bin/true: seccomp kills the child.
        case exec

        static let environmentKey = "INTAKE_INSPECTOR_PROBES"

        /// Facts whose failure says what was refused; a probe that was let through answers without one.
        func attempt() -> FileFacts {
            var facts = FileFacts(mime: "", bytes: 0, sha256: "")
            switch self {
            case .socket:
                let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                if descriptor >= 0 {
                    close(descriptor)
                    return facts
                }
                facts.inspectionFailure = InspectionFailure(reason: .unavailable, message: "socket: \(errnoText())")
            case .exec:
                let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
                execv("/bin/true", arguments)
                facts.inspectionFailure = InspectionFailure(reason: .unavailable, message: "execv: \(errnoText())")
            }
            return facts
        }
    }

    struct ArchiveRequest: Codable {
        var scratch: String
        var limits: ArchiveLimits
    }

    struct Split: Codable {
        /// 1-based inclusive `[first, last]` pairs.
        var ranges: [[Int]]
        var outputs: [String]
    }

    struct Response: Codable {
        enum Stage: String, Codable {
            /// Type, size and digest are known; parsing starts.
            case sniffed
            /// Finished.
            case done
        }
        var stage: Stage
        /// An inspection's facts.
        var facts: FileFacts?
        /// A split that could not be written, in qpdf's words.
        var splitError: String?
        /// A bulk archive's rows and entries.
        var archive: ArchiveListing?
    }
}

/// The deadline and memory ceiling the worker enforces on every inspection.
public struct InspectionLimits: Sendable, Hashable {
    /// Longest one file may take; past it the child is killed and the file gets a finding.
    public var timeout: Duration
    /// Address-space ceiling (`RLIMIT_AS`) of the inspector process.
    public var memory: ByteSize

    public init(timeout: Duration, memory: ByteSize) {
        self.timeout = timeout
        self.memory = memory
    }
}
