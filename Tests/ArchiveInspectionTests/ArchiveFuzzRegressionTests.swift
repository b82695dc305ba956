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
}
