import ArgumentParser
import BlobStorage
import Foundation
import IntakeApplication
import IntakeCore
import IntakeStore

/// `intake submit`: store uploads durably and enqueue their jobs.
struct Submit: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store an application's uploads and enqueue their jobs; prints upload and job ids.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Application id from the upstream system.")
    var application: String

    @Option(help: "Who uploads: the first uploader owns the application.")
    var uploader: String

    @Option(help: "Case number (受付番号) for a new application; one is assigned when omitted.")
    var receipt: String?

    @Option(help: "Face photo (JPEG or PNG, 3:4), checked against the photo specification.")
    var photo: String?

    @Option(parsing: .upToNextOption, help: "PDF attachments, one file per document.")
    var attachment: [String] = []

    @Option(help: "A PDF holding several documents, to be split into one item per document.")
    var bundle: String?

    @Option(
        help: "The bundle's documents as JSON: {\"documents\": [{\"title\": …, \"type\": …, \"pages\": [1, 17]}, …]}.")
    var manifest: String?

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if manifest != nil && bundle == nil { throw ValidationError("--manifest goes with --bundle") }
        if photo == nil && attachment.isEmpty && bundle == nil {
            throw ValidationError("nothing to submit: give --photo FILE, --attachment FILE… or --bundle FILE")
        }
    }

    /// A manifest file, decoded; a file that is not one is a usage error, before anything is stored.
    static func readManifest(_ path: String) throws -> SplitManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OperationalError("cannot read manifest \(path)")
        }
        do {
            return try JSONDecoder().decode(SplitManifest.self, from: data)
        } catch {
            throw OperationalError(
                "manifest \(path) is not {\"documents\": [{\"title\", \"pages\": [first, last]}, …]}")
        }
    }

    func run(_ service: IntakeService) async throws -> Int32 {
        let instructions = try bundle.map { _ in BundleInstructions(manifest: try manifest.map(Self.readManifest)) }
        let files =
            (photo.map { [($0, Slot.photo, BundleInstructions?.none)] } ?? [])
            + attachment.map { ($0, Slot.attachment, BundleInstructions?.none) }
            + (bundle.map { [($0, Slot.attachment, instructions)] } ?? [])
        var submitted: [SubmittedFile] = []
        for (file, slot, bundleInstructions) in files {
            var result = try await service.submit(
                IntakeService.Submission(
                    application: application, uploader: uploader, receipt: receipt, slot: slot,
                    fileName: (file as NSString).lastPathComponent, bundle: bundleInstructions),
                body: FileChunks(path: file))
            result.file = file
            // A refusal stops the command: nothing later is stored for an application the uploader may not use.
            if let finding = result.findings.first { throw OperationalError("\(finding.code): \(finding.message.en)") }
            submitted.append(result)
        }
        let report = SubmitReport(application: application, receipt: receipt, uploads: submitted)
        if json {
            try JSONOutput.print(report)
        } else {
            print("application \(application)  receipt \(report.receipt)")
            for entry in submitted {
                let note = entry.duplicate ? "  (already submitted: same file, not stored again)" : ""
                print(
                    "  \(entry.upload ?? "")  job \(entry.job ?? "")  \(ByteSize(bytes: entry.bytes))  \(entry.file)\(note)"
                )
            }
        }
        return 0
    }
}
