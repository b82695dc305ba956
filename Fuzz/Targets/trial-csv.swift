import IntakeCore

/// `intake trial` reads an operator's export of historical sizes: not an applicant's bytes, but a file nobody
/// checks by hand before it is read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrialCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let applications = try? TrialCSV.parse(Array(UnsafeBufferPointer(start: data, count: size))) else {
        return 0
    }
    for application in applications {
        // The trial's allowances compare these; a negative or inconsistent total would pass any limit.
        precondition(application.files >= 1, "an application without files")
        precondition(application.largestFile >= 0 && application.bytes >= application.largestFile, "bad totals")
    }
    return 0
}
