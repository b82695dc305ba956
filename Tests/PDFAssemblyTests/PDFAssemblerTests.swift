import Foundation
import IntakeTestSupport
import Testing

@testable import PDFAssembly

/// Page ranges written as new PDFs, checked with qpdf and poppler-utils, the tools users have.
@Suite("Writing page ranges")
struct PDFAssemblerTests {
    func text(_ path: String, pages: ClosedRange<Int>? = nil) -> String {
        var arguments = ["-layout"]
        if let pages { arguments += ["-f", "\(pages.lowerBound)", "-l", "\(pages.upperBound)"] }
        return TestSupport.run("/usr/bin/pdftotext", arguments + [path, "-"]).standardOutput
    }

    @Test("Each range becomes a standalone PDF that passes qpdf --check, with exactly its pages and their text")
    func ranges() throws {
        let source = TestSupport.corpusFile("contract.pdf")
        let folder = TestSupport.makeTemporaryDirectory(prefix: "assembly")
        let ranges = [1...3, 4...4, 5...12]
        let outputs = ranges.indices.map { folder.appendingPathComponent("item-\($0).pdf").path }
        try PDFAssembler.extract(source: source, ranges: ranges, to: outputs)
        for (range, output) in zip(ranges, outputs) {
            #expect(TestSupport.run("/usr/bin/qpdf", ["--check", output]).status == 0, "\(output)")
            #expect(try PDFAssembler.pageCount(of: output) == range.count)
            #expect(text(output) == text(source, pages: range), "pages \(range) keep their text")
        }
        let sizes = try outputs.map { try #require(FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) }
        let original = try #require(FileManager.default.attributesOfItem(atPath: source)[.size] as? Int)
        #expect(sizes.reduce(0, +) < original * 3, "copied, not re-rendered: sizes stay near the original's")
    }

    /// A PDF's objects and pages as `qpdf --json` sees them, streams decoded, for comparing pages by value.
    struct Objects {
        /// By reference ("4 0 R"): a value, or a stream as {"stream": {"dict": …, "data": base64}}.
        var objects: [String: Any] = [:]
        /// The pages' references, in order.
        var pages: [String]

        init(_ file: String) throws {
            let arguments = [
                "--json=2", "--json-key=qpdf", "--json-key=pages", "--json-stream-data=inline",
                "--decode-level=generalized", file,
            ]
            let json = TestSupport.run("/usr/bin/qpdf", arguments).standardOutput
            let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let all = try #require((root["qpdf"] as? [Any])?.last as? [String: Any])
            pages = try #require(root["pages"] as? [[String: Any]]).compactMap { $0["object"] as? String }
            for (key, object) in all where key.hasPrefix("obj:") {
                let entry = object as? [String: Any]
                objects[String(key.dropFirst(4))] = entry?["value"] ?? entry ?? NSNull()
            }
        }

        static func isReference(_ value: Any) -> Bool {
            (value as? String)?.wholeMatch(of: /\d+ \d+ R/) != nil
        }

        /// Page `index` (0-based) with every reference followed, as JSON text: a reference to a page becomes
        /// "page N" with `number` saying which N (nil: null), the page's /Parent is left out and the attributes it
        /// inherits from the page tree are filled in.
        func resolvedPage(_ index: Int, number: (Int) -> Int?) -> String {
            var path: Set<String> = []
            func resolve(_ value: Any) -> Any {
                if let reference = value as? String, Self.isReference(reference) {
                    if let page = pages.firstIndex(of: reference) {
                        return number(page).map { "page \($0)" } ?? NSNull()
                    }
                    guard let object = objects[reference], path.insert(reference).inserted else { return "loop" }
                    defer { path.remove(reference) }
                    return resolve(object)
                }
                if let array = value as? [Any] { return array.map(resolve) }
                if let dictionary = value as? [String: Any] { return dictionary.mapValues(resolve) }
                return value
            }
            var page = objects[pages[index]] as? [String: Any] ?? [:]
            var parent = page["/Parent"]
            while let reference = parent as? String, let node = objects[reference] as? [String: Any] {
                for key in ["/Resources", "/MediaBox", "/CropBox", "/Rotate"] where page[key] == nil {
                    page[key] = node[key]
                }
                parent = node["/Parent"]
            }
            page["/Parent"] = nil
            path.insert(pages[index])
            let resolved = resolve(page)
            let data = try? JSONSerialization.data(withJSONObject: resolved, options: [.sortedKeys])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    @Test(
        "Each item page is its source page: content streams (decoded), resources, annotations, boxes and text",
        arguments: [
            TestSupport.corpusFile("contract.pdf"), TestSupport.corpusFile("bundle-outline.pdf"),
            TestSupport.corpusFile("bundle-qpdf.pdf"), TestSupport.corpusFile("r4-open.pdf"),
            "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
        ])
    func sameAsCopiedPages(source: String) throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "assembly")
        let count = try PDFAssembler.pageCount(of: source)
        // Thirds, and the last page again on its own: a page in two items, and one that an earlier item dropped.
        let ranges = [1...max(1, count / 3), (count / 3 + 1)...count, count...count].filter { !$0.isEmpty }
        let outputs = ranges.indices.map { folder.appendingPathComponent("item-\($0).pdf").path }
        try PDFAssembler.extract(source: source, ranges: ranges, to: outputs)
        let original = try Objects(source)
        for (range, output) in zip(ranges, outputs) {
            #expect(TestSupport.run("/usr/bin/qpdf", ["--check", output]).status == 0, "\(output)")
            #expect(try PDFAssembler.pageCount(of: output) == range.count)
            let item = try Objects(output)
            for (index, page) in range.enumerated() {
                // A reference to a page of the item leads to it; to a page outside it, to null.
                let inSource = original.resolvedPage(page - 1) {
                    range.contains($0 + 1) ? $0 + 2 - range.lowerBound : nil
                }
                #expect(item.resolvedPage(index) { $0 + 1 } == inSource, "page \(page) of \(source)")
            }
            #expect(text(output) == text(source, pages: range), "pages \(range) keep their text")
        }
    }

    /// A three-page PDF whose page tree has an inner node holding inherited resources, and whose links reach
    /// pages by reference (page 1 to pages 2 and 3, page 3 to page 1), each page with a line of its own text.
    func makeLinkedPDF(in folder: URL) -> String {
        func content(_ text: String) -> String {
            let stream = "BT /F1 18 Tf 20 200 Td (\(text)) Tj ET"
            return "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream"
        }
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R 9 0 R] /Count 3 /MediaBox [0 0 300 300] >>",
            "<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 /Resources << /Font << /F1 8 0 R >> >> >>",
            "<< /Type /Page /Parent 3 0 R /Contents 6 0 R /Annots [10 0 R 11 0 R] >>",
            "<< /Type /Page /Parent 3 0 R /Contents 7 0 R >>",
            content("Page one"), content("Page two"),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Type /Page /Parent 2 0 R /Contents 12 0 R /Resources << /Font << /F1 8 0 R >> >> /Annots [13 0 R] >>",
            "<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /P 4 0 R /Dest [5 0 R /Fit] >>",
            "<< /Type /Annot /Subtype /Link /Rect [50 0 100 50] /P 4 0 R /Dest [9 0 R /Fit] >>",
            content("Page three"),
            "<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /P 9 0 R /Dest [4 0 R /Fit] >>",
        ]
        let body = objects.enumerated().map { "\($0.offset + 1) 0 obj\n\($0.element)\nendobj\n" }.joined()
        let draft = folder.appendingPathComponent("linked-draft.pdf").path
        let trailer = "trailer\n<< /Root 1 0 R /Size \(objects.count + 1) >>\n%%EOF\n"
        FileManager.default.createFile(atPath: draft, contents: Data(("%PDF-1.7\n" + body + trailer).utf8))
        // qpdf writes the cross-reference table the draft leaves out (and warns that it had to: status 3).
        let linked = folder.appendingPathComponent("linked.pdf").path
        #expect([0, 3].contains(TestSupport.run("/usr/bin/qpdf", [draft, linked]).status))
        return linked
    }

    @Test("Links to a page of the same item still lead to it; no page of another item is written into an item")
    func links() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "assembly")
        let source = makeLinkedPDF(in: folder)
        let outputs = ["first", "second"].map { folder.appendingPathComponent("\($0).pdf").path }
        try PDFAssembler.extract(source: source, ranges: [1...2, 3...3], to: outputs)
        for (output, pages) in zip(outputs, [1...2, 3...3]) {
            #expect(TestSupport.run("/usr/bin/qpdf", ["--check", output]).status == 0, "\(output)")
            #expect(text(output) == text(source, pages: pages))
            let written = try Objects(output)
            #expect(written.pages.count == pages.count)
            let streams = written.objects.values.compactMap { ($0 as? [String: Any])?["stream"] as? [String: Any] }
            let contents = streams.filter { ($0["dict"] as? [String: Any])?["/Type"] == nil }
            #expect(contents.count == pages.count, "one content stream per page and no other page's: \(output)")
            /// Where each link on the item's page `index` leads: the item's page number, or nil for null.
            func destinations(_ index: Int) throws -> [Int?] {
                let page = try #require(written.objects[written.pages[index]] as? [String: Any])
                return (page["/Annots"] as? [String] ?? []).map { annotation in
                    let link = written.objects[annotation] as? [String: Any]
                    let target = (link?["/Dest"] as? [Any])?.first as? String
                    return target.flatMap { written.pages.firstIndex(of: $0) }.map { $0 + 1 }
                }
            }
            if pages == 1...2 {
                #expect(try destinations(0) == [2, nil], "page 1 links to page 2 (here) and page 3 (not here)")
            } else {
                #expect(try destinations(0) == [nil], "page 3 links to page 1, which is in the other item")
            }
        }
    }

    @Test("Splitting again yields byte-identical files")
    func deterministic() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "assembly")
        let first = folder.appendingPathComponent("a.pdf").path
        let second = folder.appendingPathComponent("b.pdf").path
        try PDFAssembler.extract(source: TestSupport.corpusFile("contract.pdf"), ranges: [2...5], to: [first])
        try PDFAssembler.extract(source: TestSupport.corpusFile("contract.pdf"), ranges: [2...5], to: [second])
        #expect(FileManager.default.contents(atPath: first) == FileManager.default.contents(atPath: second))
    }

    @Test("An owner-password PDF is split into unencrypted items; a range past the end and a broken file are errors")
    func edges() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "assembly")
        let item = folder.appendingPathComponent("open.pdf").path
        try PDFAssembler.extract(source: TestSupport.corpusFile("r4-open.pdf"), ranges: [1...2], to: [item])
        let info = TestSupport.run("/usr/bin/pdfinfo", [item]).standardOutput
        #expect(info.contains("Encrypted:       no"))
        #expect(throws: AssemblyError.self) {
            try PDFAssembler.extract(source: TestSupport.corpusFile("plain.pdf"), ranges: [2...9], to: [item])
        }
        #expect(throws: AssemblyError.self) {
            try PDFAssembler.extract(source: TestSupport.corpusFile("garbage.pdf"), ranges: [1...1], to: [item])
        }
    }
}
