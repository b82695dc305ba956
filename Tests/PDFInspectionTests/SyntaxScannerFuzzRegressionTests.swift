import IntakeCore
import IntakeTestSupport
import Testing

@testable import PDFInspection

/// Inputs that read past the end of the scanned bytes (AddressSanitizer in the `pdf-syntax` fuzz target; a trap in
/// debug builds, and a read past the mapped upload in release ones), kept in `Tests/Fixtures/Fuzz/pdf-syntax`.
@Suite("PDF syntax scanner: fuzz findings")
struct SyntaxScannerFuzzRegressionTests {
    @Test(
        "A string left open at the end of the file, as a /Filter value, ends there",
        arguments: ["unterminated-hex-string.pdf", "unterminated-literal-string.pdf"])
    func unterminatedStringAtEnd(name: String) {
        let result = TestSupport.fuzzInput("pdf-syntax", name).withUnsafeBytes { PDFSyntaxScanner.scan($0) }
        #expect(result.encryption == nil)
        #expect(result.activeContent.isEmpty)
        #expect(result.complete)
    }

    @Test("The fuzzer's own find: a file cut inside a /U hex string still reports the active content before it")
    func foundUnterminatedUserKey() {
        let bytes = TestSupport.fuzzInput("pdf-syntax", "found-unterminated-user-key.pdf")
        let result = bytes.withUnsafeBytes { PDFSyntaxScanner.scan($0) }
        #expect(Set(result.activeContent.map(\.key)).isSuperset(of: ["JS", "JavaScript", "AA", "Launch"]))
    }
}
