import Foundation
import IntakeCore

/// A bundle's manifest as the HTTP face and `intake submit` read it (JSON), then checked against the bundle. The
/// first byte is the bundle's page count, so the fuzzer varies that too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0, let data else { return 0 }
    let pageCount = Int(data[0])
    guard let manifest = try? JSONDecoder().decode(SplitManifest.self, from: Data(bytes: data + 1, count: size - 1))
    else { return 0 }
    guard case .valid(let documents) = SplitPlanner.plan(manifest: manifest, pageCount: pageCount) else { return 0 }
    // A valid plan covers every page once, in order: bundle splitting writes exactly these ranges.
    var next = 1
    for document in documents {
        precondition(document.pages.lowerBound == next, "a gap or an overlap in a valid plan")
        next = document.pages.upperBound + 1
    }
    precondition(next == pageCount + 1, "a valid plan that leaves pages out")
    return 0
}
