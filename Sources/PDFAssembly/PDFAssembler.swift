import CQPDF
import ContentAddressing

/// Writes page ranges of a PDF as new standalone PDFs, losslessly, with libqpdf.
///
/// Pages are written as the objects they are — content streams, resources, annotations, rotation and page boxes —
/// never re-rendered, so text stays text and an item's size stays near its share of the original. Output IDs are
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
        for range in ranges where range.lowerBound < 1 || range.upperBound > pageCount {
            throw AssemblyError(message: "pages \(range.lowerBound)–\(range.upperBound) of \(pageCount)")
        }
        try document.writeRanges(ranges, to: destinations)
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

    deinit {
        qpdf_cleanup(&handle)
        mapping = nil  // after qpdf is done with the bytes
    }

    var pageCount: Int { Int(max(0, qpdf_get_num_pages(handle))) }

    /// Writes each range (1-based, inclusive, within `pageCount`) as a standalone PDF at the matching path, by
    /// writing this document itself once per range with a catalog and page tree of that range's pages alone.
    ///
    /// Copying the pages into a new document per range (`qpdf_add_page`) was half of a split with Debian's libqpdf
    /// 11: its foreign-object copier is slow. The writer only writes what it reaches from the trailer, so a page
    /// outside the range, which an annotation or a link can still reach, is made a null object while the range is
    /// written, and the old page tree's inner nodes are made null for good: no page of another range reaches an
    /// item. Items keep the pages, content streams, resources and annotations the copy gave them, with two
    /// differences in links that reach a page by reference: one to a page outside the item points to a null
    /// object instead of being null (the same to a PDF reader), and one to a later page of the same item now
    /// leads there (the copy had made it null, as the page was not copied yet).
    func writeRanges(_ ranges: [ClosedRange<Int>], to destinations: [String]) throws(AssemblyError) {
        // The copy pushed inherited attributes (/Resources, /MediaBox, /CropBox, /Rotate) down to each page it
        // copied; here the tree that held them goes away.
        qpdf_push_inherited_attributes_to_page(handle)
        try check(QPDF_SUCCESS)
        let pages = (0..<pageCount).map { qpdf_get_page_n(handle, $0) }
        let pageIDs = pages.map { qpdf_oh_get_object_id(handle, $0) }
        let trailer = qpdf_get_trailer(handle)
        let catalog = try indirect(qpdf_get_root(handle))
        let tree = try indirect(qpdf_oh_get_key(handle, catalog, "/Pages"))
        qpdf_oh_replace_key(handle, trailer, "/Root", catalog)
        try check(QPDF_SUCCESS)
        let treeID = qpdf_oh_get_object_id(handle, tree)
        let catalogID = qpdf_oh_get_object_id(handle, catalog)
        guard !pageIDs.contains(0), Set(pageIDs + [treeID, catalogID]).count == pageIDs.count + 2 else {
            throw AssemblyError(message: "the catalog, the page tree and each page are not distinct objects")
        }
        for node in innerTreeNodes(below: tree, pages: Set(pageIDs)) { makeNull(node) }
        // As in a new document's trailer: /Size (the writer puts its own value only where the key is), /Root, and
        // /Encrypt, which the writer drops; /ID would seed the output's, /Info and the rest would be written.
        for key in keys(of: trailer) where !["/Root", "/Size", "/Encrypt"].contains(key) {
            qpdf_oh_remove_key(handle, trailer, key)
        }
        try check(QPDF_SUCCESS)

        // The last range each page is in: a page is kept (as a copy of its dictionary) while it is out of a range
        // only if a later range needs it back.
        var lastUse = [Int](repeating: -1, count: pages.count)
        for (index, range) in ranges.enumerated() { for page in range { lastUse[page - 1] = index } }
        var saved = [qpdf_oh?](repeating: nil, count: pages.count)
        var isLive = [Bool](repeating: true, count: pages.count)
        for (index, (range, destination)) in zip(ranges, destinations).enumerated() {
            for page in pages.indices where isLive[page] && !range.contains(page + 1) {
                if lastUse[page] > index { saved[page] = shallowCopy(pages[page]) }
                makeNull(pages[page])
                isLive[page] = false
            }
            let kids = qpdf_oh_new_array(handle)
            for page in range.map({ $0 - 1 }) {
                if !isLive[page], let copy = saved[page] {
                    replace(pages[page], with: copy)
                    saved[page] = nil
                    isLive[page] = true
                }
                qpdf_oh_replace_key(handle, pages[page], "/Parent", tree)
                qpdf_oh_append_item(handle, kids, pages[page])
            }
            let pageTree = qpdf_oh_parse(handle, "<< /Type /Pages >>")
            qpdf_oh_replace_key(handle, pageTree, "/Kids", kids)
            qpdf_oh_replace_key(handle, pageTree, "/Count", qpdf_oh_new_integer(handle, Int64(range.count)))
            qpdf_oh_release(handle, kids)
            replace(tree, with: pageTree)
            let newCatalog = qpdf_oh_parse(handle, "<< /Type /Catalog >>")
            qpdf_oh_replace_key(handle, newCatalog, "/Pages", tree)
            replace(catalog, with: newCatalog)
            try check(QPDF_SUCCESS)
            try write(to: destination)
        }
    }

    private func write(to path: String) throws(AssemblyError) {
        try check(qpdf_init_write(handle, path))
        qpdf_set_preserve_encryption(handle, QPDF_FALSE)
        // What a new document with generated object streams declared; the source's own version said nothing about
        // the pages it held, and items of one bundle would otherwise differ from items written before.
        qpdf_force_pdf_version(handle, "1.5")
        qpdf_set_deterministic_ID(handle, QPDF_TRUE)
        qpdf_set_object_stream_mode(handle, qpdf_o_generate)
        try check(qpdf_write(handle))
    }

    /// `object` if it is indirect, else a new indirect object holding it: only indirect objects can be swapped.
    private func indirect(_ object: qpdf_oh) throws(AssemblyError) -> qpdf_oh {
        let result = qpdf_oh_is_indirect(handle, object) != 0 ? object : qpdf_make_indirect_object(handle, object)
        try check(QPDF_SUCCESS)
        return result
    }

    /// The indirect page-tree nodes below `root` that are not pages, each once (a looping tree stops).
    private func innerTreeNodes(below root: qpdf_oh, pages: Set<Int32>) -> [qpdf_oh] {
        var seen: Set<Int32> = [qpdf_oh_get_object_id(handle, root)]
        var nodes: [qpdf_oh] = []
        var pending = [root]
        while let node = pending.popLast() {
            let kids = qpdf_oh_get_key(handle, node, "/Kids")
            for index in 0..<max(0, qpdf_oh_get_array_n_items(handle, kids)) {
                let kid = qpdf_oh_get_array_item(handle, kids, index)
                let id = qpdf_oh_get_object_id(handle, kid)
                guard id != 0, !pages.contains(id), seen.insert(id).inserted else { continue }
                nodes.append(kid)
                pending.append(kid)
            }
        }
        return nodes
    }

    private func keys(of dictionary: qpdf_oh) -> [String] {
        var keys: [String] = []
        qpdf_oh_begin_dict_key_iter(handle, dictionary)
        while qpdf_oh_dict_more_keys(handle) != 0 { keys.append(String(cString: qpdf_oh_dict_next_key(handle))) }
        return keys
    }

    /// A direct dictionary with the same entries as `dictionary` (the values shared, not copied).
    private func shallowCopy(_ dictionary: qpdf_oh) -> qpdf_oh {
        let copy = qpdf_oh_new_dictionary(handle)
        for key in keys(of: dictionary) {
            let value = qpdf_oh_get_key(handle, dictionary, key)
            qpdf_oh_replace_key(handle, copy, key, value)
            qpdf_oh_release(handle, value)
        }
        return copy
    }

    /// Gives the indirect object `object` the direct value `value`; every reference to it sees the new value.
    private func replace(_ object: qpdf_oh, with value: qpdf_oh) {
        qpdf_replace_object(
            handle, qpdf_oh_get_object_id(handle, object), qpdf_oh_get_generation(handle, object), value)
        qpdf_oh_release(handle, value)
    }

    private func makeNull(_ object: qpdf_oh) { replace(object, with: qpdf_oh_new_null(handle)) }

    /// Turns a failed call into an error with qpdf's own words (copied before qpdf frees them).
    private func check(_ code: QPDF_ERROR_CODE) throws(AssemblyError) {
        guard code & QPDF_ERRORS != 0 || qpdf_has_error(handle) != 0 else { return }
        let error = qpdf_get_error(handle)
        let text = qpdf_get_error_full_text(handle, error).map { String(cString: $0) } ?? "error \(code)"
        throw AssemblyError(message: text)
    }
}
