import Foundation
import IntakeCore
import IntakeTestSupport
import Testing

@testable import ArchiveInspection

/// Inputs the archive fuzz target (`Fuzz/Targets/archive.swift`) crashed on, replayed through the reader the
/// inspector child runs: each must end as the archive's findings, never as a trap in the child.
@Suite("Archive reader: fuzz findings")
struct ArchiveFuzzRegressionTests {
    /// The reading of one kept input, from a file as the child reads an upload.
    static func read(_ name: String) -> ArchiveListing {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "archive-fuzz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("upload.zip").path
        FileManager.default.createFile(atPath: path, contents: Data(TestSupport.fuzzInput("archive", name)))
        return ArchiveReader.read(path: path, scratch: folder.path, limits: .defaults)
    }

    @Test("A Zip64 record that declares more entries than Int64 holds is too many entries, not a trap")
    func zip64CountPastInt64() {
        let listing = Self.read("zip64-count-past-int64.zip")
        #expect(listing.findings.map(\.code) == [.archiveTooManyEntries])
        #expect(listing.rows.isEmpty)
    }

    /// Found by reading `Inflater` during the fuzz runs: the ratio bound was `max_ratio × compressed size`, which
    /// traps past Int64 when an operator sets `archive.max_ratio` near Int.max. Such a ratio bounds nothing.
    @Test("An archive.max_ratio near Int.max lets a large entry through instead of trapping")
    func ratioBoundPastInt64() throws {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "archive-ratio")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("upload.zip").path
        // 4 MB of zeros deflate to about 4 kB: past the 1 MiB floor, where the ratio is judged.
        let script = """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("applications.csv", "application_id,slot,file\\r\\nAPP-1,attachment,zeros.pdf\\r\\n")
                archive.writestr("zeros.pdf", bytes(4_000_000))
            """
        let made = TestSupport.run("/usr/bin/python3", ["-c", script, path])
        try #require(made.status == 0, "python3 zipfile: \(made.standardError)")
        var limits = ArchiveLimits.defaults
        limits.maxRatio = Int.max
        let listing = ArchiveReader.read(path: path, scratch: folder.path, limits: limits)
        #expect(listing.findings.isEmpty)
        #expect(listing.rows.map(\.bytes) == [4_000_000])
    }
}
