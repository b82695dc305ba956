import IntakeCore
import Testing

@testable import PDFInspection

/// The lexer's edge cases, on small inputs written for each case.
@Suite("PDF syntax scanner")
struct SyntaxScannerTests {
    func scan(_ text: String) -> PDFSyntaxScanner.Result {
        Array(text.utf8).withUnsafeBytes { PDFSyntaxScanner.scan($0) }
    }

    @Test("Names written with #xx escapes are decoded: /J#53 is /JS")
    func escapedName() {
        let result = scan("1 0 obj << /S /JavaScript /J#53 (x) >> endobj")
        #expect(result.activeContent.map(\.key).sorted() == ["JS", "JavaScript"])
        #expect(result.activeContent.allSatisfy { $0.object == 1 })
    }

    @Test("A name inside a string or stream data is not a name")
    func stringsAndStreams() {
        let result = scan(
            "1 0 obj << /Title (see /JS here \\) and (/Launch)) >> endobj\n"
                + "2 0 obj << /Length 12 >> stream\n/JS /Launch\nendstream endobj")
        #expect(result.activeContent.isEmpty)
    }

    @Test("/JSX is not /JS")
    func prefixes() {
        #expect(scan("1 0 obj << /JSX 1 /AAA 2 >> endobj").activeContent.isEmpty)
    }

    @Test("The last /Encrypt reference wins and its /Filter, /R and /P are read")
    func encryption() {
        let result = scan(
            """
            5 0 obj << /Filter /Standard /V 2 /R 3 /P -3904 /O <00> /U <00> >> endobj
            9 0 obj << /Filter /FOPN_foweb /V 2 /R 3 /P -4 >> endobj
            trailer << /Root 1 0 R /Encrypt 5 0 R >>
            trailer << /Root 1 0 R /Encrypt 9 0 R /Prev 10 >>
            """)
        #expect(result.encryption?.filter == "FOPN_foweb")
        #expect(result.encryption?.revision == 3)
        #expect(result.encryption?.permissions == -4)
    }

    @Test("A direct encryption dictionary in the trailer is read too")
    func inlineEncryption() {
        let result = scan("trailer << /Root 1 0 R /Encrypt << /Filter /Adobe.APS /V 4 /R 4 >> >>")
        #expect(result.encryption?.filter == "Adobe.APS")
        #expect(result.encryption?.revision == 4)
    }

    @Test("The page tree's objects are counted: catalogs, nodes with the largest /Count, and pages")
    func pageTreeObjects() {
        let empty = scan(
            "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj 2 0 obj << /Count 0 /Type /Pages /Kids [] >> endobj")
        #expect(empty.pageTree == .init(catalogs: 1, nodes: 1, claimedPages: 0, pages: 0))
        #expect(empty.emptyPageTreeDamage == nil)
        let claimed = scan(
            "1 0 obj << /Type /Catalog /Pages 2 0 R /Outlines << /Type /Outlines /Count 7 >> >> endobj "
                + "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 213804087 >> endobj "
                + "3 0 obj << /Type /Page /Parent 2 0 R /Annots [<< /Type /Annot >>] >> endobj")
        #expect(claimed.pageTree == .init(catalogs: 1, nodes: 1, claimedPages: 213_804_087, pages: 1))
        #expect(claimed.emptyPageTreeDamage?.contains("1 page object(s)") == true)
    }

    @Test("Nesting is the deepest run of open arrays and dictionaries within one object")
    func nesting() {
        let result = scan(
            "1 0 obj << /A [ [ << /B [1] >> ] ] >> endobj 2 0 obj [ " + String(repeating: "[", count: 600) + " endobj "
                + "3 0 obj << /C [] >> endobj")
        #expect(result.deepestNesting == 601)
        #expect(scan("1 0 obj << /A [ [ << /B [1] >> ] ] >> endobj").deepestNesting == 5)
    }

    @Test("No /Encrypt, no encryption")
    func unencrypted() {
        #expect(scan("1 0 obj << /Type /Catalog >> endobj trailer << /Root 1 0 R >>").encryption == nil)
    }
}

@Suite("Object streams")
struct ObjectStreamScanTests {
    /// A zlib stream holding `data` in one stored (uncompressed) block: valid Flate without a compressor.
    func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let length = UInt16(data.count)
        return [0x78, 0x01, 0x01, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8(~length >> 8)]
            + data + [UInt8(b >> 8), UInt8(b & 0xff), UInt8(a >> 8), UInt8(a & 0xff)]
    }

    func scan(filter: String) -> PDFSyntaxScanner.Result {
        let inner = Array("1 0 << /Type /Action /S /Launch /F (calc.exe) >>".utf8)
        let stream = storedZlib(inner)
        let document =
            Array(
                "%PDF-1.5\n5 0 obj << /Type /ObjStm /N 1 /First 4 /Filter \(filter) /Length \(stream.count) >>\nstream\n"
                    .utf8)
            + stream + Array("\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n".utf8)
        return document.withUnsafeBytes { PDFSyntaxScanner.scan($0) }
    }

    @Test(
        "A launch action inside a Flate object stream is found, whether the filter is a name or an array",
        arguments: ["/FlateDecode", "[/FlateDecode]"])
    func launchInObjectStream(filter: String) {
        let result = scan(filter: filter)
        #expect(result.activeContent.contains(ActiveContentHit(key: "Launch", object: 5)))
        #expect(result.complete)
    }

    @Test("An object stream under a filter the scanner cannot decode leaves the scan incomplete")
    func unknownFilter() {
        #expect(scan(filter: "/LZWDecode").complete == false)
    }
}
