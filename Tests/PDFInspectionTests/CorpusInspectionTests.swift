import ContentAddressing
import FileInspection
import IntakeCore
import IntakeTestSupport
import IntakeTesting
import Testing

@testable import PDFInspection

/// Real files made by real tools (scripts/make-corpus.sh: groff, qpdf, poppler-utils), inspected in process and
/// judged by the default rules.
@Suite("Inspection of real PDFs")
struct CorpusInspectionTests {
    static let policy = Policy.testDefault

    func check(_ name: String) throws -> (facts: FileFacts, codes: [String]) {
        let inspector = try FileInspector()
        let facts = inspector.inspect(path: TestSupport.corpusFile(name))
        let findings = AttachmentRules(policy: Self.policy).fileFindings(for: facts, fileName: name, slot: .attachment)
        return (facts, findings.map(\.code.rawValue))
    }

    @Test(
        "Every Standard security revision, R2 (40-bit RC4) to R6 (AES-256), with the permissions that matter",
        arguments: [
            ("r2-open.pdf", 2, ["pdf.permissions_password"]),
            ("r2-noprint.pdf", 2, ["pdf.print_restricted"]),
            ("r2-nocopy.pdf", 2, ["pdf.copy_restricted"]),
            ("r2-user.pdf", 2, ["pdf.password_required"]),
            ("r3-open.pdf", 3, ["pdf.permissions_password"]),
            ("r3-noprint.pdf", 3, ["pdf.print_restricted"]),
            ("r3-lowres.pdf", 3, ["pdf.print_restricted"]),
            ("r3-nocopy.pdf", 3, ["pdf.copy_restricted"]),
            ("r3-user.pdf", 3, ["pdf.password_required"]),
            ("r4-open.pdf", 4, ["pdf.permissions_password"]),
            ("r4-noprint.pdf", 4, ["pdf.print_restricted"]),
            ("r4-nocopy.pdf", 4, ["pdf.copy_restricted"]),
            ("r4-nomodify.pdf", 4, ["pdf.permissions_password"]),
            ("r4-user.pdf", 4, ["pdf.password_required"]),
            ("r5-open.pdf", 5, ["pdf.permissions_password"]),
            ("r5-noprint.pdf", 5, ["pdf.print_restricted"]),
            ("r5-user.pdf", 5, ["pdf.password_required"]),
            ("r6-open.pdf", 6, ["pdf.permissions_password"]),
            ("r6-noprint.pdf", 6, ["pdf.print_restricted"]),
            ("r6-lowres.pdf", 6, ["pdf.print_restricted"]),
            ("r6-nocopy.pdf", 6, ["pdf.copy_restricted"]),
            ("r6-noprint-nocopy.pdf", 6, ["pdf.print_restricted", "pdf.copy_restricted"]),
            ("r6-user.pdf", 6, ["pdf.password_required"]),
            ("r6-same.pdf", 6, ["pdf.password_required"]),
            ("objstm-r6-noprint.pdf", 6, ["pdf.print_restricted"]),
        ])
    func encryption(name: String, revision: Int, expected: [String]) throws {
        let (facts, codes) = try check(name)
        #expect(codes == expected)
        #expect(facts.pdf?.encrypted == true)
        #expect(facts.pdf?.securityHandler == "Standard")
        #expect(facts.pdf?.revision == revision)
    }

    @Test("Low-resolution printing is told apart from no printing")
    func lowResolution() throws {
        let low = try check("r6-lowres.pdf").facts.pdf?.permissions
        #expect(low?.print == true && low?.printHighRes == false)
        let none = try check("r6-noprint.pdf").facts.pdf?.permissions
        #expect(none?.print == false)
    }

    @Test("Unencrypted PDFs from groff and qpdf (classic xref and object streams) are accepted")
    func plain() throws {
        for name in ["plain.pdf", "contract.pdf", "letter.pdf", "objstm.pdf"] {
            let (facts, codes) = try check(name)
            #expect(codes.isEmpty, "\(name): \(codes)")
            #expect(facts.pdf?.encrypted == false)
            #expect(facts.mime == "application/pdf")
        }
        #expect(try check("contract.pdf").facts.pdf?.pages == 12)
    }

    @Test(
        "Rights management is `pdf.drm`, naming the handler, whatever poppler says",
        arguments: ["drm-fopn.pdf", "drm-adobe-aps.pdf"])
    func drm(name: String) throws {
        let (facts, codes) = try check(name)
        #expect(codes == ["pdf.drm"])
        #expect(facts.pdf?.securityHandler == (name == "drm-fopn.pdf" ? "FOPN_foweb" : "Adobe.APS"))
        #expect(facts.pdf?.needsPassword == false)
    }

    @Test(
        "Files that are not PDFs, whatever their name",
        arguments: [
            ("text.pdf", "text/plain"), ("html.pdf", "text/html"), ("zip.pdf", "application/zip"),
            ("jpeg.pdf", "image/jpeg"),
        ])
    func disguised(name: String, mime: String) throws {
        let (facts, codes) = try check(name)
        #expect(facts.mime == mime)
        #expect(codes == ["file.type_not_allowed", "file.name_mismatch"])
        #expect(facts.pdf == nil, "a disguised file must never reach the PDF parser")
    }

    @Test("Truncated and garbage files")
    func broken() throws {
        #expect(try check("truncated.pdf").codes == ["pdf.malformed"])
        let garbage = try check("garbage.pdf")
        #expect(garbage.codes.first == "file.type_not_allowed")
    }

    @Test("A PDF with no pages")
    func zeroPages() throws {
        #expect(try check("zero-pages.pdf").codes == ["pdf.no_pages"])
    }

    @Test(
        "Damaged files poppler opens with zero pages are malformed, not empty: no catalog, a page tree not found, a page count no file could hold"
    )
    func damagedPageTrees() throws {
        let noCatalog = try check("no-catalog.pdf")
        #expect(noCatalog.codes == ["pdf.malformed"])
        #expect(noCatalog.facts.pdf?.parseError?.contains("no document catalog") == true)
        let noTree = try check("header-only.pdf")
        #expect(noTree.codes == ["pdf.malformed"])
        let impossible = try check("page-count-impossible.pdf")
        #expect(impossible.codes == ["pdf.malformed"])
        #expect(impossible.facts.pdf?.parseError?.contains("page object") == true)
    }

    @Test("JavaScript is found in a plain object and inside a compressed object stream")
    func javascript() throws {
        for name in ["javascript.pdf", "javascript-objstm.pdf"] {
            let (facts, codes) = try check(name)
            #expect(codes == ["pdf.active_content"], "\(name)")
            #expect(facts.pdf?.activeContent.contains { $0.key == "JS" } == true, "\(name)")
            #expect(facts.pdf?.activeContentScanComplete == true)
        }
    }

    @Test("An embedded file is active content")
    func attachment() throws {
        let (facts, codes) = try check("attachment.pdf")
        #expect(codes == ["pdf.active_content"])
        #expect(facts.pdf?.activeContent.contains { $0.key == "EmbeddedFiles" } == true)
    }

    @Test("The SHA-256 is the file's")
    func digest() throws {
        let result = TestSupport.run("/usr/bin/sha256sum", [TestSupport.corpusFile("plain.pdf")])
        let expected = String(result.standardOutput.prefix(64))
        #expect(try check("plain.pdf").facts.sha256 == expected)
    }
}

@Suite("AES-256 password check without poppler")
struct StandardSecurityHandlerTests {
    @Test(
        "The empty user password opens exactly the files qpdf wrote without one",
        arguments: [
            ("r5-open.pdf", true), ("r5-noprint.pdf", true), ("r5-user.pdf", false), ("r6-open.pdf", true),
            ("r6-lowres.pdf", true), ("r6-user.pdf", false), ("r6-same.pdf", false),
            ("objstm-r6-noprint.pdf", true), ("r4-open.pdf", nil),
        ])
    func emptyPassword(name: String, opens: Bool?) throws {
        let file = try MappedFile(path: TestSupport.corpusFile(name))
        let encryption = try #require(PDFSyntaxScanner.scan(file.bytes).encryption)
        #expect(
            StandardSecurityHandler.emptyUserPasswordOpens(revision: encryption.revision, userKey: encryption.userKey)
                == opens)
    }
}

@Suite("Bookmarks")
struct OutlineTests {
    @Test("Top-level bookmarks come with the page each opens, in outline order")
    func outline() throws {
        let facts = try FileInspector().inspect(path: TestSupport.corpusFile("bundle-outline.pdf"))
        #expect(facts.pdf?.pages == 4)
        #expect(
            facts.pdf?.outline == [
                OutlineEntry(title: "Passport copy", page: 1), OutlineEntry(title: "Employment contract", page: 2),
                OutlineEntry(title: "Tax certificate", page: 4),
            ])
        #expect(facts.pdf?.outlineEntries == 3)
        #expect(try FileInspector().inspect(path: TestSupport.corpusFile("plain.pdf")).pdf?.outline == [])
    }
}
