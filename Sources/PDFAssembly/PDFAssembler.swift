import CQPDF
import ContentAddressing

/// Writes page ranges of a PDF as new standalone PDFs, losslessly, with libqpdf.
///
/// Pages are copied as objects — content streams, resources, annotations, rotation and page boxes — never
/// re-rendered, so text stays text and an item's size stays near its share of the original. Output IDs are
/// deterministic, so splitting the same source again yields byte-identical items (the same blobs).
///
/// Blocking and CPU-bound: run it off the cooperative pool, on untrusted input inside an isolated process.
public enum PDFAssembler {
    /// Writes pages `range` (1-based, inclusive) of each range of the PDF at `source` to the matching path.
    public static func extract(
        source: String, ranges: [ClosedRange<Int>], to destinations: [String]
    ) throws(AssemblyError) {
        precondition(ranges.count == destinations.count)
        let document = try QPDFDocument(reading: source)
        let pageCount = document.pageCount
        for (range, destination) in zip(ranges, destinations) {
            guard range.lowerBound >= 1, range.upperBound <= pageCount else {
                throw AssemblyError(message: "pages \(range.lowerBound)–\(range.upperBound) of \(pageCount)")
            }
            let output = try QPDFDocument(empty: ())
            for page in range { try output.addPage(page - 1, from: document) }
            try output.write(to: destination)
        }
    }

    /// The number of pages of a PDF, as qpdf counts them.
    public static func pageCount(of source: String) throws(AssemblyError) -> Int {
        try QPDFDocument(reading: source).pageCount
    }
}

/// A PDF that could not be read or written.
public struct AssemblyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "qpdf: \(message)" }
}

/// One `qpdf_data`. Its `deinit` is the single release point (`qpdf_cleanup`), which also frees every object
/// handle and error the library handed out for it.
final class QPDFDocument {
    private var handle: qpdf_data?
    /// The source, mapped, when qpdf reads it from memory; it must outlive `handle`.
    private var mapping: MappedFile?

    /// Sources up to this size are read from memory: Debian's libqpdf 11 reads a file through many small seeks,
    /// a fifth of a split's time. Larger ones are read from the file, so memory stays near qpdf's own.
    static let memoryReadLimit = 32 * 1024 * 1024

    init(reading path: String) throws(AssemblyError) {
        handle = qpdf_init()
        qpdf_silence_errors(handle)
        qpdf_set_suppress_warnings(handle, QPDF_TRUE)
        if let file = try? MappedFile(path: path), file.bytes.count > 0, file.bytes.count <= Self.memoryReadLimit {
            let base = file.bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
            let size = UInt64(file.bytes.count)
            mapping = consume file
            try check(qpdf_read_memory(handle, path, base, size, ""))
        } else {
            try check(qpdf_read(handle, path, ""))
        }
    }

    init(empty: Void) throws(AssemblyError) {
        handle = qpdf_init()
        qpdf_silence_errors(handle)
        qpdf_set_suppress_warnings(handle, QPDF_TRUE)
        try check(qpdf_empty_pdf(handle))
    }

    deinit {
        qpdf_cleanup(&handle)
        mapping = nil  // after qpdf is done with the bytes
    }

    var pageCount: Int { Int(max(0, qpdf_get_num_pages(handle))) }

    /// Appends page `index` (0-based) of `source` to this document, copying what it references.
    func addPage(_ index: Int, from source: QPDFDocument) throws(AssemblyError) {
        let page = qpdf_get_page_n(source.handle, index)
        try source.check(QPDF_SUCCESS)
        try check(qpdf_add_page(handle, source.handle, page, QPDF_FALSE))
    }

    func write(to path: String) throws(AssemblyError) {
        try check(qpdf_init_write(handle, path))
        qpdf_set_deterministic_ID(handle, QPDF_TRUE)
        qpdf_set_object_stream_mode(handle, qpdf_o_generate)
        try check(qpdf_write(handle))
    }

    /// Turns a failed call into an error with qpdf's own words (copied before qpdf frees them).
    private func check(_ code: QPDF_ERROR_CODE) throws(AssemblyError) {
        guard code & QPDF_ERRORS != 0 || qpdf_has_error(handle) != 0 else { return }
        let error = qpdf_get_error(handle)
        let text = qpdf_get_error_full_text(handle, error).map { String(cString: $0) } ?? "error \(code)"
        throw AssemblyError(message: text)
    }
}
