import IntakeCore

/// `applications.csv` comes inside an uploaded archive; the archive reader has decoded it to text by then.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBulkCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard case .parsed(let parsed) = BulkCSV.parse(text) else { return 0 }
    for row in parsed.rows {
        // Line 1 at the earliest is the header; the reader takes `file` and `application_id` as given.
        precondition(row.row >= 2, "a row before the header")
        precondition(!row.file.isEmpty && !row.applicationId.isEmpty, "a row without its required values")
    }
    precondition(parsed.refused.allSatisfy { $0.row >= 2 }, "a refused row before the header")
    return 0
}
