import ArgumentParser
import BlobStorage
import Foundation
import IntakeApplication
import IntakeCore

/// `intake submit-archive`: a bulk archive (一括申請) of many applications, answered row by row (SPEC §9).
struct SubmitArchive: IntakeCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-archive",
        abstract: "Submit a ZIP of applications.csv and the files it names; prints a report row by row.",
        discussion: """
            applications.csv: header application_id,slot,file and optionally title,document_type,receipt; \
            slot is photo, attachment or bundle; UTF-8 (with or without BOM) or Shift_JIS (CP932). Each row becomes \
            one upload through the same rules as `submit`. Exit status 0 when every row was taken, 1 when any was \
            refused.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The ZIP archive.")
    var archive: String

    @Option(help: "Who uploads: the first uploader owns each new application.")
    var uploader: String

    @Flag(help: "Print one JSON document.")
    var json = false

    @Option(help: "Also write the report as CSV for Excel (UTF-8 with BOM, Japanese and English messages).")
    var reportCsv: String?

    func run(_ service: IntakeService) async throws -> Int32 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: archive, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw OperationalError("\(archive): no such file")
        }
        let report = try await service.submitArchive(uploader: uploader, body: FileChunks(path: archive))
        if let reportCsv {
            guard FileManager.default.createFile(atPath: reportCsv, contents: Data(report.csv().utf8)) else {
                throw OperationalError("\(reportCsv): cannot write the report")
            }
        }
        if json {
            try JSONOutput.print(report)
        } else {
            let size = ByteSize(bytes: report.bytes)
            print("archive \(report.archive.prefix(12))…  \(size)  \(report.rows.count) rows")
            for finding in report.findings {
                print("  \(finding.severity == .error ? "✗" : "!") \(finding.code)  \(finding.message.en)")
            }
            for row in report.rows {
                if let finding = row.findings.first {
                    print("  row \(row.row)  ✗ \(finding.code)  \(finding.message.en)")
                } else {
                    let note = row.duplicate ? "  (already submitted)" : ""
                    print(
                        "  row \(row.row)  \(row.application ?? "")  \(row.upload ?? "")  job \(row.job ?? "")  "
                            + "\(row.file ?? "")\(note)")
                }
            }
            for name in report.ignored { print("  ignored  \(name)") }
        }
        return report.isClean ? 0 : 1
    }
}
