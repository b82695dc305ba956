import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// Bulk archives (SPEC §9) made with real tools by `scripts/make-archives.py` (Python's zipfile, Info-ZIP,
/// 7-Zip, and Explorer-style CP932 names), submitted through the real binary: its inspector child reads them.
@Suite("Bulk archives")
struct ArchiveEndToEndTests {
    /// Where an archive's hostile names would land if Intake honoured them: checked to stay empty.
    static let escape = TestSupport.makeTemporaryDirectory(prefix: "escape").appendingPathComponent("out").path

    static let archives: URL = {
        let folder = TestSupport.makeTemporaryDirectory(prefix: "archives")
        let result = TestSupport.run(
            "/usr/bin/python3",
            [
                TestSupport.packageRoot.appendingPathComponent("scripts/make-archives.py").path, folder.path,
                TestSupport.packageRoot.appendingPathComponent("SampleDocs/APP-2026-0001").path, escape,
            ])
        precondition(result.status == 0, "make-archives.py failed: \(result.standardError)")
        return folder
    }()

    struct Report {
        var status: Int32
        var object: [String: Any]
        var rows: [[String: Any]] { object["rows"] as? [[String: Any]] ?? [] }
        var archiveCodes: [String] { Self.codes(object["findings"]) }
        func codes(row: Int) -> [String] { Self.codes(rows.first { $0["row"] as? Int == row }?["findings"]) }
        static func codes(_ findings: Any?) -> [String] {
            (findings as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        }
    }

    func submit(_ name: String, _ intake: IntakeBinary = IntakeBinary()) throws -> Report {
        let path = Self.archives.appendingPathComponent(name).path
        let result = intake.run(["submit-archive", path, "--uploader", "employer-1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return Report(status: result.status, object: try #require(object, "\(name): \(result.standardError)"))
    }

    @Test("Good rows become uploads with verdicts through the queue: a photo, attachments, a bundle split in three")
    func goodRowsGetVerdicts() async throws {
        let intake = IntakeBinary()
        let report = try submit("utf8-bom.zip", intake)
        #expect(report.status == 0)
        #expect(report.rows.count == 4)
        #expect(report.rows.allSatisfy { ($0["upload"] as? String)?.hasPrefix("U-") == true })
        #expect(report.rows.first?["title"] as? String == "顔写真")
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let store = try intake.store()
        let first = try #require(try await store.status(applicationId: "BULK-1"))
        #expect(first.uploads.map(\.upload.slot) == [.photo, .attachment])
        #expect(first.uploads.allSatisfy { $0.items.first?.latest?.verdict == .accepted })
        #expect(first.uploads[1].upload.fileName == "在職証明書.pdf", "the entry's name, not a path")
        let second = try #require(try await store.status(applicationId: "BULK-2"))
        #expect(second.uploads[0].items.count == 3, "the bundle split by its bookmarks")
        let codes = second.uploads[1].items.first?.latest?.findings.map(\.code.rawValue)
        #expect(codes?.contains("pdf.print_restricted") == true)
    }

    @Test("A CP932 CSV with ①, ㈱ and 髙, and CP932 names without the UTF-8 flag, as Windows' Explorer writes them")
    func cp932() throws {
        let report = try submit("cp932.zip")
        #expect(report.status == 0, "\(report.object)")
        let files = report.rows.compactMap { $0["file"] as? String }
        #expect(files == ["在職証明書①.pdf", "髙橋㈱/契約書.pdf"])
        let titles = report.rows.compactMap { $0["title"] as? String }
        #expect(titles == ["在職証明書①", "髙橋㈱ 雇用契約書"])
        #expect(report.rows.allSatisfy { $0["upload"] is String })
    }

    @Test("7-Zip's ZIP, flagless UTF-8 names and the Unicode path field are read; an unlisted file only warns")
    func sevenZipAndUnlisted() throws {
        let seven = try submit("7zip.zip")
        #expect(seven.status == 0)
        #expect(seven.rows.first?["file"] as? String == "証明書.pdf")
        let infozip = try submit("infozip-utf8.zip")
        #expect(infozip.status == 0, "\(infozip.object)")
        #expect(infozip.rows.first?["upload"] is String)
        let unicodePath = try submit("unicode-path.zip")
        #expect(unicodePath.status == 0, "the Info-ZIP Unicode path names the entry: \(unicodePath.object)")
        #expect(unicodePath.object["unlisted"] as? [String] == [])
        let unlisted = try submit("unlisted.zip")
        #expect(unlisted.status == 0)
        #expect(unlisted.archiveCodes == ["archive.entry_unlisted"])
        #expect(unlisted.object["unlisted"] as? [String] == ["b.pdf"])
    }

    @Test(
        "Each bad row gets its own code, and the other rows go on",
        arguments: [
            ("missing.zip", 2, "archive.entry_missing"), ("infozip.zip", 2, "archive.entry_encrypted"),
            ("infozip.zip", 3, "archive.entry_unsafe"), ("traversal.zip", 2, "archive.entry_unsafe"),
            ("traversal.zip", 3, "archive.entry_unsafe"), ("nested.zip", 2, "archive.nested"),
            ("nested.zip", 3, "archive.nested"), ("ratio-bomb.zip", 2, "archive.too_large"),
            ("understated.zip", 2, "archive.malformed"), ("sample.zip", 5, "archive.entry_missing"),
            ("sample.zip", 6, "archive.csv_invalid"),
        ])
    func badRows(archive: String, row: Int, code: String) throws {
        let report = try submit(archive)
        #expect(report.status == 1)
        #expect(report.codes(row: row) == [code], "\(report.rows)")
    }

    @Test(
        "A fault of the whole archive refuses it with its code, and no row is taken",
        arguments: [
            ("not-a-zip.zip", "archive.malformed"), ("truncated.zip", "archive.malformed"),
            ("overlap.zip", "archive.malformed"), ("disagree.zip", "archive.malformed"),
            ("no-csv.zip", "archive.csv_missing"),
            ("bad-header.zip", "archive.csv_invalid"), ("undecodable.zip", "archive.csv_invalid"),
        ])
    func badArchives(archive: String, code: String) throws {
        let report = try submit(archive)
        #expect(report.status == 1)
        #expect(report.archiveCodes == [code])
        #expect(report.rows.isEmpty)
    }

    @Test("The CSV report opens in Excel as UTF-8 and explains every refused row in Japanese and English")
    func csvReport() throws {
        let intake = IntakeBinary()
        let output = intake.data.appendingPathComponent("report.csv").path
        let path = Self.archives.appendingPathComponent("sample.zip").path
        #expect(intake.run(["submit-archive", path, "--uploader", "e", "--report-csv", output]).status == 1)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "a BOM, so Excel reads UTF-8")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("5 行目: ファイル「SAMPLE-2/住民票.pdf」がアーカイブにありません"))
        #expect(text.contains("Row 5: the file “SAMPLE-2/住民票.pdf” is not in the archive"))
        #expect(text.contains("applications.csv の 6 行目"))
        #expect(text.contains(",queued,U-"))
    }

    @Test("Hostile names write nothing outside the data folder, and no entry is left in its temporary space")
    func nothingEscapes() throws {
        let intake = IntakeBinary()
        for archive in ["traversal.zip", "infozip.zip", "utf8-bom.zip"] { _ = try submit(archive, intake) }
        let parent = (Self.escape as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty, "nothing at \(parent)")
        let temporary = intake.data.appendingPathComponent("blobs/tmp").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, "scratch folders removed")
    }
}
