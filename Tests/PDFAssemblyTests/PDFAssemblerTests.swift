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
