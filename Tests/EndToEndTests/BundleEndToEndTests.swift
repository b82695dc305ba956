import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// Bundles split into one item per document, through the real binary, checked with qpdf and pdftotext.
@Suite("Bundles")
struct BundleEndToEndTests {
    func text(_ path: String, pages: ClosedRange<Int>? = nil) -> String {
        var arguments = ["-layout"]
        if let pages { arguments += ["-f", "\(pages.lowerBound)", "-l", "\(pages.upperBound)"] }
        return TestSupport.run("/usr/bin/pdftotext", arguments + [path, "-"]).standardOutput
    }

    func blob(_ intake: IntakeBinary, _ sha: String) -> String {
        let characters = Array(sha)
        return intake.data.appendingPathComponent(
            "blobs/\(String(characters[0..<2]))/\(String(characters[2..<4]))/\(sha)"
        ).path
    }

    /// Every item is a valid PDF with exactly the text of the bundle pages it came from.
    func expectLossless(_ intake: IntakeBinary, _ upload: UploadStatus, source: String) {
        for item in upload.items {
            let path = blob(intake, item.item.sha256)
            #expect(
                TestSupport.run("/usr/bin/qpdf", ["--check", path]).status == 0,
                "\(item.item.title) passes qpdf --check")
            let pages = item.item.firstPage!...item.item.lastPage!
            #expect(text(path) == text(source, pages: pages), "\(item.item.title) keeps pages \(pages)")
        }
    }

    @Test("A bundle with bookmarks becomes one item per top-level bookmark, titled by it, in page order")
    func bookmarks() async throws {
        let intake = IntakeBinary()
        let source = TestSupport.corpusFile("bundle-outline.pdf")
        #expect(intake.run(["submit", "--application", "A", "--uploader", "u", "--bundle", source]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.items.map(\.item.title) == ["Passport copy", "Employment contract", "Tax certificate"])
        #expect(upload.items.map { [$0.item.firstPage!, $0.item.lastPage!] } == [[1, 1], [2, 3], [4, 4]])
        #expect(upload.items.allSatisfy { $0.latest?.verdict == .accepted })
        expectLossless(intake, upload, source: source)
        let status = try #require(try await intake.store().status(applicationId: "A"))
        #expect(
            status.acceptedBytes == upload.items.reduce(0) { $0 + $1.item.bytes }, "limits count items, not the bundle")
    }

    @Test("A manifest names the documents and their pages; an invalid one rejects the bundle, naming the range")
    func manifest() async throws {
        let intake = IntakeBinary()
        let folder = TestSupport.makeTemporaryDirectory(prefix: "manifest")
        let good = folder.appendingPathComponent("good.json").path
        try
            #"{"documents": [{"title": "雇用契約書", "type": "employment_contract", "pages": [1, 5]}, {"title": "Tax return", "pages": [6, 12]}]}"#
            .write(toFile: good, atomically: true, encoding: .utf8)
        let bad = folder.appendingPathComponent("bad.json").path
        try #"{"documents": [{"title": "A", "pages": [1, 5]}, {"title": "B", "pages": [5, 12]}]}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let source = TestSupport.corpusFile("contract.pdf")
        #expect(
            intake.run(["submit", "--application", "A", "--uploader", "u", "--bundle", source, "--manifest", good])
                .status == 0)
        #expect(
            intake.run(["submit", "--application", "B", "--uploader", "u", "--bundle", source, "--manifest", bad])
                .status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let store = try intake.store()
        let split = try #require(try await store.status(applicationId: "A")?.uploads.first)
        #expect(split.items.map(\.item.title) == ["雇用契約書", "Tax return"])
        #expect(split.items.map(\.item.documentType) == ["employment_contract", nil])
        #expect(split.items.map { $0.item.lastPage! - $0.item.firstPage! + 1 } == [5, 7])
        expectLossless(intake, split, source: source)
        let rejected = try #require(try await store.status(applicationId: "B")?.uploads.first)
        #expect(rejected.items.count == 1)
        let finding = try #require(rejected.items.first?.latest?.findings.first)
        #expect(finding.code.rawValue == "split.manifest_invalid")
        #expect(finding.message.en.contains("Document 2"))
    }

    @Test("A rejected bundle is not split: its one item says why")
    func rejectedBundle() async throws {
        let intake = IntakeBinary()
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--bundle", TestSupport.corpusFile("r6-user.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.items.count == 1)
        #expect(upload.items.first?.latest?.findings.map(\.code.rawValue) == ["pdf.password_required"])
    }

    @Test("A bundle without bookmarks or manifest stays one item")
    func wholeBundle() async throws {
        let intake = IntakeBinary()
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--bundle", TestSupport.corpusFile("contract.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.items.count == 1)
        #expect(upload.items.first?.item.lastPage == 12)
    }

    @Test(
        "Without bookmarks, separator sheets split the bundle and are dropped; blank pages too when the policy says so")
    func separators() async throws {
        let source = TestSupport.corpusFile("bundle-separators.pdf")
        for (blank, expected) in [(false, [[1, 2], [4, 6]]), (true, [[1, 2], [4, 4], [6, 6]])] {
            let intake = IntakeBinary(environment: ["INTAKE_SPLIT_BLANK_PAGES_SEPARATE": blank ? "true" : "false"])
            #expect(intake.run(["submit", "--application", "A", "--uploader", "u", "--bundle", source]).status == 0)
            #expect(intake.run(["work", "--until-empty"]).status == 0)
            let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
            #expect(
                upload.items.map { [$0.item.firstPage!, $0.item.lastPage!] } == expected,
                "blank pages separate: \(blank)")
            #expect(upload.items.first?.item.title == "bundle-separators.pdf (1)")
            expectLossless(intake, upload, source: source)
        }
    }

    @Test(
        "Debian's documentation PDFs (pdfTeX) split by their bookmarks, losslessly",
        arguments: [
            "/usr/share/doc/libtasn1-doc/libtasn1.pdf", "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
        ])
    func debianDocumentation(source: String) async throws {
        let intake = IntakeBinary()
        #expect(intake.run(["submit", "--application", "A", "--uploader", "u", "--bundle", source]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.items.count > 2)
        // Items tile the bundle's pages in order, none lost or repeated.
        var next = 1
        for item in upload.items {
            #expect(item.item.firstPage == next)
            next = item.item.lastPage! + 1
        }
        let info = TestSupport.run("/usr/bin/pdfinfo", [source]).standardOutput
        #expect(info.contains("Pages:           \(next - 1)"))
        // Titles follow the bookmarks that start a page (leading pages before the first one keep the file name).
        let titled = upload.items.map(\.item.title).filter { $0 != (source as NSString).lastPathComponent }
        #expect(titled.count >= 2)
        #expect(upload.items.allSatisfy { $0.latest?.verdict == .accepted })
        expectLossless(intake, upload, source: source)
    }

    @Test("A bundle written by pikepdf splits along its bookmarks (make test provides pikepdf in .venv)")
    func pikepdfBundle() async throws {
        let source = TestSupport.corpusFile("bundle-pikepdf.pdf")
        try #require(FileManager.default.fileExists(atPath: source), "run scripts/ensure-pikepdf.sh (make test does)")
        let intake = IntakeBinary()
        #expect(intake.run(["submit", "--application", "A", "--uploader", "u", "--bundle", source]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.items.map(\.item.title) == ["Employment contract", "Letter of guarantee", "Certificate"])
        #expect(upload.items.map { [$0.item.firstPage!, $0.item.lastPage!] } == [[1, 12], [13, 13], [14, 16]])
        expectLossless(intake, upload, source: source)
    }

    @Test("An additional document marked --bundle is split like one sent with the application")
    func additionalBundle() async throws {
        let intake = IntakeBinary()
        #expect(
            intake.run([
                "submit", "--application", "A", "--uploader", "u", "--receipt", "R-1", "--attachment",
                TestSupport.corpusFile("plain.pdf"),
            ]).status == 0)
        #expect(
            intake.run([
                "add", "--case", "R-1", "--uploader", "u", "--bundle", TestSupport.corpusFile("bundle-outline.pdf"),
            ]).status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let additional = try #require(try await intake.store().status(applicationId: "A")?.additional.first)
        #expect(additional.items.map(\.item.title) == ["Passport copy", "Employment contract", "Tax certificate"])
    }

    @Test("A bundle concatenated by qpdf splits by its manifest into the documents it was made of")
    func qpdfBundle() async throws {
        let intake = IntakeBinary()
        let folder = TestSupport.makeTemporaryDirectory(prefix: "manifest")
        let manifest = folder.appendingPathComponent("m.json").path
        try
            #"{"documents": [{"title": "在職証明書", "pages": [1, 3]}, {"title": "身元保証書", "pages": [4, 4]}, {"title": "雇用契約書", "pages": [5, 16]}]}"#
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let source = TestSupport.corpusFile("bundle-qpdf.pdf")
        #expect(
            intake.run(["submit", "--application", "A", "--uploader", "u", "--bundle", source, "--manifest", manifest])
                .status == 0)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let upload = try #require(try await intake.store().status(applicationId: "A")?.uploads.first)
        #expect(upload.items.map(\.item.title) == ["在職証明書", "身元保証書", "雇用契約書"])
        // Each item is the document it came from, page for page.
        for (item, original) in zip(upload.items, ["plain.pdf", "letter.pdf", "contract.pdf"]) {
            #expect(text(blob(intake, item.item.sha256)) == text(TestSupport.corpusFile(original)))
        }
        expectLossless(intake, upload, source: source)
    }
}
