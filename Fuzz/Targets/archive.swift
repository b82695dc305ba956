import Foundation
import IntakeCore

/// Compiled into the `ArchiveInspection` module itself (all of it is Intake's own code over zlib and iconv): the
/// ZIP directory, then the whole reading the inspector child does, writing entries into a scratch folder that is
/// emptied after each input. The bounds are smaller than the defaults so that a bomb costs milliseconds, not a
/// gigabyte of writing; the code that enforces them is the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let limits = ArchiveLimits(
        maxBytes: ByteSize(bytes: 1 << 30), maxEntries: 1000, maxEntryExpanded: ByteSize(bytes: 4 << 20), maxRatio: 100,
        maxExpanded: ByteSize(bytes: 16 << 20))
    guard let directory = try? ZIPDirectory(bytes, maxEntries: limits.maxEntries) else { return 0 }
    for entry in directory.entries {
        // The reading slices each entry's data out of the mapped file by these numbers.
        precondition(entry.dataOffset >= 0 && entry.compressedSize >= 0, "a negative offset or size")
        precondition(entry.dataOffset + entry.compressedSize <= Int64(size), "an entry's data outside the file")
    }
    var reading = ArchiveReader.Reading(bytes: bytes, directory: directory, scratch: scratch, limits: limits)
    let listing = reading.run()
    for row in listing.rows where row.path != nil {
        precondition(row.findings.isEmpty && row.bytes != nil, "an entry both taken and refused")
    }
    for name in (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? [] {
        unlink(scratch + "/" + name)
    }
    return 0
}

/// One scratch folder per fuzzing process, under `TMPDIR` (`Fuzz/run.sh` points it into shared memory and removes
/// it afterwards).
private let scratch: String = {
    var template = Array((NSTemporaryDirectory() + "/intake-fuzz-archive-XXXXXX").utf8CString)
    guard let folder = mkdtemp(&template) else { fatalError("no scratch folder in \(NSTemporaryDirectory())") }
    return String(cString: folder)
}()
