import CPoppler
import Foundation
import IntakeCore

/// Why poppler-glib refused to open a document.
struct PopplerOpenError: Error {
    enum Kind {
        /// poppler's `POPPLER_ERROR_ENCRYPTED`: a user password, or a security handler it cannot use.
        case encrypted
        case damaged
    }
    var kind: Kind
    var message: String
}

/// One open poppler-glib document. Its `deinit` is the single release point of the GObject reference.
///
/// Not thread-safe: use one per task, and only inside `withDocument`, which keeps the bytes alive.
final class PopplerDocument {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit { g_object_unref(UnsafeMutableRawPointer(handle)) }

    /// Opens `bytes` without a password and runs `body` on the document. The bytes are not copied and must stay
    /// valid for the duration of the call.
    static func withDocument<Result>(
        bytes: UnsafeRawBufferPointer, _ body: (PopplerDocument) -> Result
    ) -> Swift.Result<Result, PopplerOpenError> {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            return .failure(PopplerOpenError(kind: .damaged, message: "empty file"))
        }
        let gbytes = g_bytes_new_static(base, gsize(bytes.count))
        defer { g_bytes_unref(gbytes) }
        var error: UnsafeMutablePointer<GError>?
        guard let handle = poppler_document_new_from_bytes(gbytes, nil, &error) else {
            var message = "unknown error"
            var kind = PopplerOpenError.Kind.damaged
            if let error {
                message = String(cString: error.pointee.message)
                if error.pointee.domain == poppler_error_quark(),
                    error.pointee.code == Int32(POPPLER_ERROR_ENCRYPTED.rawValue)
                {
                    kind = .encrypted
                }
                g_error_free(error)
            }
            return .failure(PopplerOpenError(kind: kind, message: message))
        }
        let document = PopplerDocument(handle: handle)
        return .success(body(document))
    }

    /// A document that lives for the rest of the process, opened from a copy of `bytes`.
    static func retained(copying bytes: [UInt8]) -> PopplerDocument? {
        let gbytes = bytes.withUnsafeBytes { g_bytes_new($0.baseAddress, gsize($0.count)) }
        defer { g_bytes_unref(gbytes) }
        var error: UnsafeMutablePointer<GError>?
        guard let handle = poppler_document_new_from_bytes(gbytes, nil, &error) else {
            if let error { g_error_free(error) }
            return nil
        }
        return PopplerDocument(handle: handle)
    }

    /// Pages that separate a bundle's documents: a page whose text matches `pattern`, or (when `blank` is set) a
    /// page with almost no ink at a coarse render — scans of blank sheets have no text, so text cannot tell.
    func separatorPages(pattern: Regex<AnyRegexOutput>?, blank: Bool) -> (text: [Int], blank: [Int]) {
        var textual: [Int] = []
        var empty: [Int] = []
        for index in 0..<pageCount {
            guard let page = poppler_document_get_page(handle, Int32(index)) else { continue }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            if let pattern, let text = poppler_page_get_text(page) {
                let string = String(cString: text)
                g_free(text)
                if (try? pattern.wholeMatch(in: string.trimmingCharacters(in: .whitespacesAndNewlines))) != nil {
                    textual.append(index + 1)
                    continue
                }
            }
            if blank && Self.isBlank(page) { empty.append(index + 1) }
        }
        return (textual, empty)
    }

    /// Renders the page at 36 dpi on white and calls it blank when under 0.02 % of the pixels carry ink (a single
    /// short line of text is about 0.1 %; scanner noise on a blank sheet stays below).
    private static func isBlank(_ page: OpaquePointer) -> Bool {
        var width = 0.0
        var height = 0.0
        poppler_page_get_size(page, &width, &height)
        let scale = 36.0 / 72
        let pixelsWide = max(1, Int32(width * scale)), pixelsHigh = max(1, Int32(height * scale))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pixelsWide, pixelsHigh) else { return false }
        defer { cairo_surface_destroy(surface) }
        guard let context = cairo_create(surface) else { return false }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_scale(context, scale, scale)
        poppler_page_render(page, context)
        cairo_destroy(context)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return false }
        let stride = Int(cairo_image_surface_get_stride(surface))
        var dark = 0
        for row in 0..<Int(pixelsHigh) {
            let line = data + row * stride
            for column in 0..<Int(pixelsWide) {
                let pixel = (line + column * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
                let luminance = (Int((pixel >> 16) & 0xff) + Int((pixel >> 8) & 0xff) + Int(pixel & 0xff)) / 3
                if luminance < 230 { dark += 1 }
            }
        }
        return Double(dark) < 0.0002 * Double(Int(pixelsWide) * Int(pixelsHigh))
    }

    /// Most top-level bookmarks reported; a bundle with more documents than this is split at the first ones.
    static let outlineLimit = 2000

    var pageCount: Int { Int(poppler_document_get_n_pages(handle)) }

    /// Whether the last page the document claims can be found in its page tree. poppler takes the count from the
    /// root node's `/Count`, then walks the tree as pages are asked for, skipping a kid that loops back ("Loop in
    /// Pages tree") or is missing: a looped or truncated tree claims pages it does not hold. Finding the last page
    /// walks the whole tree once (page dictionaries only, nothing rendered).
    var lastPageIsFound: Bool {
        let count = pageCount
        guard count > 0 else { return true }
        guard let page = poppler_document_get_page(handle, Int32(count - 1)) else { return false }
        g_object_unref(UnsafeMutableRawPointer(page))
        return true
    }

    var versionString: String? {
        guard let text = poppler_document_get_pdf_version_string(handle) else { return nil }
        defer { g_free(text) }
        let full = String(cString: text)  // "PDF-1.7"
        return full.hasPrefix("PDF-") ? String(full.dropFirst(4)) : full
    }

    var permissions: PDFPermissions {
        let bits = poppler_document_get_permissions(handle).rawValue
        func allows(_ flag: PopplerPermissions) -> Bool { bits & flag.rawValue != 0 }
        return PDFPermissions(
            print: allows(POPPLER_PERMISSIONS_OK_TO_PRINT),
            printHighRes: allows(POPPLER_PERMISSIONS_OK_TO_PRINT_HIGH_RESOLUTION),
            copy: allows(POPPLER_PERMISSIONS_OK_TO_COPY),
            modify: allows(POPPLER_PERMISSIONS_OK_TO_MODIFY),
            annotate: allows(POPPLER_PERMISSIONS_OK_TO_ADD_NOTES),
            fillForms: allows(POPPLER_PERMISSIONS_OK_TO_FILL_FORM),
            extractAccessibility: allows(POPPLER_PERMISSIONS_OK_TO_EXTRACT_CONTENTS),
            assemble: allows(POPPLER_PERMISSIONS_OK_TO_ASSEMBLE))
    }

    var hasJavaScript: Bool { poppler_document_has_javascript(handle) != 0 }

    var hasAttachments: Bool { poppler_document_has_attachments(handle) != 0 }

    /// The top-level outline (bookmark) entries with the 1-based page each opens: where a bundle's documents
    /// start. Entries that do not lead to a page of this document (a URI, a script) have no page.
    var topLevelOutline: [OutlineEntry] {
        guard let iterator = poppler_index_iter_new(handle) else { return [] }
        defer { poppler_index_iter_free(iterator) }
        var entries: [OutlineEntry] = []
        repeat {
            guard let action = poppler_index_iter_get_action(iterator) else { continue }
            defer { poppler_action_free(action) }
            // Bounded: a hostile outline must not bloat every verdict that stores these facts.
            guard entries.count < Self.outlineLimit else { break }
            let title = String((action.pointee.any.title.map { String(cString: $0) } ?? "").prefix(300))
            var page: Int?
            if action.pointee.type == POPPLER_ACTION_GOTO_DEST, let destination = action.pointee.goto_dest.dest {
                page = pageNumber(of: destination)
            }
            entries.append(OutlineEntry(title: title, page: page))
        } while poppler_index_iter_next(iterator) != 0
        return entries
    }

    /// A destination's 1-based page, resolving named destinations; nil when it leads nowhere in this document.
    private func pageNumber(of destination: UnsafeMutablePointer<PopplerDest>) -> Int? {
        if destination.pointee.type == POPPLER_DEST_NAMED {
            guard let name = destination.pointee.named_dest,
                let resolved = poppler_document_find_dest(handle, name)
            else { return nil }
            defer { poppler_dest_free(resolved) }
            return resolved.pointee.page_num > 0 ? Int(resolved.pointee.page_num) : nil
        }
        return destination.pointee.page_num > 0 ? Int(destination.pointee.page_num) : nil
    }
}
