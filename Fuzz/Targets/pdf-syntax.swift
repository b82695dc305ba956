/// Compiled into a `PDFInspection` module of `PDFSyntaxScanner.swift` alone: the rest of that module is
/// poppler's wrapper, and the scanner is the part of it that is Intake's own code.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDFSyntax(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let result = PDFSyntaxScanner.scan(UnsafeRawBufferPointer(start: data, count: size))
    // The inspector reports each hit once; a repeated one would double a finding.
    precondition(Set(result.activeContent).count == result.activeContent.count, "a hit reported twice")
    return 0
}
