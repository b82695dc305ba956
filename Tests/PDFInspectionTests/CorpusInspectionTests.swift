import ContentAddressing
import FileInspection
import Foundation
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

@Suite("The R5 stand-in poppler reads an R6 file through")
struct RevisionFiveStandInTests {
    /// What poppler reads from a document: everything the inspector takes from it.
    struct PopplerView: Equatable {
        var pages: Int
        var permissions: PDFPermissions
        var outline: [OutlineEntry]
        var javascript: Bool
        var attachments: Bool
        var version: String?
    }

    static func popplerView(_ bytes: UnsafeRawBufferPointer) -> PopplerView? {
        try? PopplerDocument.withDocument(bytes: bytes) { document in
            PopplerView(
                pages: document.pageCount, permissions: document.permissions, outline: document.topLevelOutline,
                javascript: document.hasJavaScript, attachments: document.hasAttachments,
                version: document.versionString)
        }.get()
    }

    /// The original and its stand-in, written to `folder`, read by poppler in process and by `pdftotext`.
    func expectSameDocument(_ original: [UInt8], name: String, in folder: URL) throws {
        let encryption = try #require(original.withUnsafeBytes { PDFSyntaxScanner.scan($0).encryption })
        let standIn = try #require(
            original.withUnsafeBytes { StandardSecurityHandler.revision5StandIn(of: $0, encryption: encryption) },
            "\(name): no stand-in")
        #expect(standIn.count == original.count)
        #expect(standIn.withUnsafeBytes { PDFSyntaxScanner.scan($0).encryption?.revision } == 5)
        let originalView = try #require(original.withUnsafeBytes(Self.popplerView), "\(name): poppler")
        #expect(standIn.withUnsafeBytes(Self.popplerView) == originalView, "\(name)")
        let originalPath = folder.appendingPathComponent("original-\(name)").path
        let standInPath = folder.appendingPathComponent("stand-in-\(name)").path
        try Data(original).write(to: URL(fileURLWithPath: originalPath))
        try Data(standIn).write(to: URL(fileURLWithPath: standInPath))
        let originalText = TestSupport.run("/usr/bin/pdftotext", [originalPath, "-"])
        let standInText = TestSupport.run("/usr/bin/pdftotext", [standInPath, "-"])
        #expect(originalText.status == 0 && standInText.status == 0)
        #expect(!originalText.standardOutput.isEmpty)
        #expect(standInText.standardOutput == originalText.standardOutput, "\(name)")
    }

    @Test(
        "Every R6 file that opens without a password reads the same through its stand-in: pages, permissions, text",
        arguments: [
            "r6-open.pdf", "r6-noprint.pdf", "r6-lowres.pdf", "r6-nocopy.pdf", "r6-noprint-nocopy.pdf",
            "objstm-r6-noprint.pdf",
        ])
    func sameDocument(name: String) throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "stand-in")
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try #require(FileManager.default.contents(atPath: TestSupport.corpusFile(name)))
        try expectSameDocument(Array(original), name: name, in: folder)
    }

    @Test("Bookmark titles, strings encrypted with the file key, read the same through the stand-in")
    func encryptedOutline() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "stand-in")
        defer { try? FileManager.default.removeItem(at: folder) }
        let encrypted = folder.appendingPathComponent("bundle-r6.pdf").path
        let qpdf = TestSupport.run(
            "/usr/bin/qpdf",
            ["--encrypt", "", "owner", "256", "--", TestSupport.corpusFile("bundle-outline.pdf"), encrypted])
        #expect(qpdf.status == 0, "\(qpdf.standardError)")
        let original = try #require(FileManager.default.contents(atPath: encrypted))
        #expect(original.withUnsafeBytes(Self.popplerView)?.outline.count == 3)
        try expectSameDocument(Array(original), name: "bundle-r6.pdf", in: folder)
    }

    @Test("A dictionary whose /U and /UE are literal strings, as other writers make them, gets a stand-in too")
    func literalStrings() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "stand-in")
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes = Array(try #require(FileManager.default.contents(atPath: TestSupport.corpusFile("r6-open.pdf"))))
        let encryption = try #require(bytes.withUnsafeBytes { PDFSyntaxScanner.scan($0).encryption })
        // qpdf writes hex strings: write the same values as literal strings, padded to the hex tokens' length.
        let tokens = [
            (encryption.userKeyToken, encryption.userKey),
            (encryption.userEncryptedKeyToken, encryption.userEncryptedKey),
        ]
        for (token, value) in tokens {
            let range = try #require(token)
            let value = try #require(value)
            let literal = try #require(StandardSecurityHandler.stringToken(value, fitting: value.count * 2 + 1))
            #expect(literal.first == UInt8(ascii: "("))
            bytes.replaceSubrange(range, with: literal + [UInt8](repeating: 0x20, count: range.count - literal.count))
        }
        let rescanned = try #require(bytes.withUnsafeBytes { PDFSyntaxScanner.scan($0).encryption })
        #expect(rescanned.userKey == encryption.userKey)
        #expect(rescanned.userEncryptedKey == encryption.userEncryptedKey)
        #expect(rescanned.userKeyToken?.count ?? 0 < encryption.userKeyToken?.count ?? 0)
        try expectSameDocument(bytes, name: "r6-literal.pdf", in: folder)
    }

    @Test(
        "No stand-in where it would not be the same file: a user password, R5 and older revisions",
        arguments: ["r6-user.pdf", "r6-same.pdf", "r5-open.pdf", "r4-open.pdf", "r3-open.pdf"])
    func none(name: String) throws {
        let file = try MappedFile(path: TestSupport.corpusFile(name))
        let encryption = try #require(PDFSyntaxScanner.scan(file.bytes).encryption)
        #expect(StandardSecurityHandler.revision5StandIn(of: file.bytes, encryption: encryption) == nil)
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
