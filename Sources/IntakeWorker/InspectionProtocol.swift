import ArchiveInspection
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
