import ArgumentParser
import ContentAddressing
import Foundation
import IntakeCore
import IntakeStore

/// `intake submit`: store uploads durably and enqueue their jobs.
struct Submit: AsyncParsableCommand {
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

    @Option(help: "The bundle's documents as JSON: {\"documents\": [{\"title\": …, \"type\": …, \"pages\": [1, 17]}, …]}.")
    var manifest: String?

    @Flag(help: "Print one JSON document.")
    var json = false

    struct Report: Encodable {
        struct Entry: Encodable {
            var file: String
            var slot: Slot
            var upload: String
            var job: String
            var sha256: String
            var bytes: Int64
            var duplicate: Bool
        }
        var application: String
        var receipt: String
        var uploads: [Entry]
    }

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
            throw OperationalError("manifest \(path) is not {\"documents\": [{\"title\", \"pages\": [first, last]}, …]}")
        }
    }

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let settings = try global.loadSettings(configuration)
        let (store, blobs) = try global.openStore()
        var entries: [Report.Entry] = []
        var assignedReceipt = receipt ?? ""
        var instructions: BundleInstructions?
        if bundle != nil {
            instructions = BundleInstructions(manifest: try manifest.map(Self.readManifest))
        }
        let files =
            (photo.map { [($0, Slot.photo, BundleInstructions?.none)] } ?? [])
            + attachment.map { ($0, Slot.attachment, BundleInstructions?.none) }
            + (bundle.map { [($0, Slot.attachment, instructions)] } ?? [])
        for (file, slot, bundleInstructions) in files {
            let stored: BlobStore.Stored
            do {
                stored = try blobs.store(fileAt: file)
            } catch {
                throw OperationalError("\(file): \(error.message)")
            }
            let result: SubmitResult
            do {
                result = try await store.submit(
                NewUpload(
                    applicationId: application, uploader: uploader, receipt: receipt, slot: slot,
                    fileName: (file as NSString).lastPathComponent, sha256: stored.sha256, bytes: stored.bytes,
                    bundle: bundleInstructions),
                now: now(), maxAttempts: settings.maxAttempts)
            } catch let error as StoreError
                where [.forbidden, .invalidTransition, .conflict].contains(error.code)
            {
                throw OperationalError(error.message)
            }
            assignedReceipt = result.receipt
            entries.append(
                Report.Entry(
                    file: file, slot: slot, upload: result.upload.id, job: result.job.id,
                    sha256: stored.sha256, bytes: stored.bytes, duplicate: result.duplicate))
        }
        let report = Report(application: application, receipt: assignedReceipt, uploads: entries)
        if json {
            try JSONOutput.print(report)
        } else {
            print("application \(application)  receipt \(assignedReceipt)")
            for entry in entries {
                let note = entry.duplicate ? "  (already submitted: same file, not stored again)" : ""
                print("  \(entry.upload)  job \(entry.job)  \(ByteSize(bytes: entry.bytes))  \(entry.file)\(note)")
            }
        }
    }
}
