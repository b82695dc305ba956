import ContentAddressing
import IntakeCore
import PDFInspection
import PhotoInspection

/// Measures one file: its real type, size, SHA-256 and, for PDFs, the PDF facts.
///
/// This runs C parsers over untrusted bytes. In the worker it runs inside an isolated child process
/// (`intake inspect-server`) with a deadline and a memory ceiling; see `IsolatedInspector`.
/// Holds a libmagic handle and the face model once a photo has been measured: one inspector per thread.
public final class FileInspector {
    private let sniffer: TypeSniffer
    /// Photo inspectors by landmark model path: the model loads once per process, on the first photo.
    private var photoInspectors: [String: PhotoInspector] = [:]

    public init() throws(InspectionError) {
        sniffer = try TypeSniffer()
        PDFInspector.prepare()
    }

    /// Inspects the file at `path`. Never throws: a file that cannot be read yields `inspectionFailure`.
    ///
    /// `onSniffed` receives the type, size and digest before any parser runs, so a caller watching from another
    /// process still knows what the file was if a parser then crashes or hangs.
    ///
    /// With `landmarkModel`, a JPEG or PNG is also measured as a face photo (`facts.photo`) with that model.
    public func inspect(
        path: String, separators: SeparatorRule? = nil, landmarkModel: String? = nil,
        onSniffed: (FileFacts) -> Void = { _ in }
    ) -> FileFacts {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            return FileFacts(
                mime: "", bytes: 0, sha256: "",
                inspectionFailure: InspectionFailure(
                    reason: error.isOutOfMemory ? .memory : .unreadable, message: error.message))
        }
        return inspect(bytes: file.bytes, separators: separators, landmarkModel: landmarkModel, onSniffed: onSniffed)
    }

    /// Inspects bytes already in memory.
    public func inspect(
        bytes: UnsafeRawBufferPointer, separators: SeparatorRule? = nil, landmarkModel: String? = nil,
        onSniffed: (FileFacts) -> Void = { _ in }
    ) -> FileFacts {
        let mime = sniffer.mimeType(of: bytes)
        var facts = FileFacts(mime: mime, bytes: Int64(bytes.count), sha256: Digest.sha256Hex(bytes))
        onSniffed(facts)
        if mime == "application/pdf" {
            facts.pdf = PDFInspector.inspect(bytes, separators: separators)
        } else if let landmarkModel, PhotoFormat(mime: mime) != nil {
            let photoInspector = photoInspectors[landmarkModel] ?? PhotoInspector(landmarkModelPath: landmarkModel)
            photoInspectors[landmarkModel] = photoInspector
            do {
                facts.photo = try photoInspector.inspect(bytes, mime: mime)
            } catch {
                let reason: InspectionFailure.Reason =
                    switch error.code {
                    // The model, not the photo, is at fault: the job is retried, the photo never rejected for it.
                    case .landmarkModelUnavailable: .unavailable
                    // This photo broke the detector: a finding, as a parser crash on a PDF is.
                    case .detectorOutOfMemory: .memory
                    case .detectorFailed: .crashed
                    }
                facts.inspectionFailure = InspectionFailure(reason: reason, message: error.description)
            }
        }
        return facts
    }
}
