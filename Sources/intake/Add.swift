import ArgumentParser
import ContentAddressing
import Foundation
import IntakeCore
import IntakeStore

/// `intake add`: additional documents (追加資料) for a case under review.
struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add documents to an existing case. Exit 0 when all were linked, 1 when any was refused.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("case"), help: "The case's receipt number (受付番号).")
    var receipt: String

    @Option(help: "Who uploads: the case's owner or an uploader it was granted to.")
    var uploader: String

    @Flag(help: "The files hold several documents each, to be split by their bookmarks.")
    var bundle = false

    @Flag(help: "Print one JSON document.")
    var json = false

    @Argument(help: "PDF files, one per document.")
    var files: [String]

    struct Report: Encodable {
        struct Entry: Encodable {
            var file: String
            var upload: String
            var job: String?
            /// `linked`, `already_linked` or `refused`.
            var outcome: String
            var findings: [Finding]
        }
        var receipt: String
        var uploader: String
        var documents: [Entry]
    }

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let policy = try global.loadPolicy(configuration)
        let settings = try global.loadSettings(configuration)
        let (store, blobs) = try global.openStore()
        var entries: [Report.Entry] = []
        for file in files {
            let stored: BlobStore.Stored
            do {
                stored = try blobs.store(fileAt: file)
            } catch {
                throw OperationalError("\(file): \(error.message)")
            }
            let (receipt, uploader) = (receipt, uploader)
            let outcome = try await store.add(
                NewAdditional(
                    receipt: receipt, uploader: uploader, fileName: (file as NSString).lastPathComponent,
                    sha256: stored.sha256, bytes: stored.bytes, bundle: bundle ? BundleInstructions(manifest: nil) : nil),
                now: now(), maxAttempts: settings.maxAttempts, policyVersion: policy.version
            ) { snapshot in
                CaseRules.decide(receipt: receipt, uploader: uploader, snapshot: snapshot)
            }
            switch outcome {
            case .linked(let upload, let job):
                entries.append(Report.Entry(file: file, upload: upload.id, job: job.id, outcome: "linked", findings: []))
            case .alreadyLinked(let upload):
                entries.append(
                    Report.Entry(file: file, upload: upload.id, job: nil, outcome: "already_linked", findings: []))
            case .refused(let upload, let finding):
                entries.append(
                    Report.Entry(file: file, upload: upload.id, job: nil, outcome: "refused", findings: [finding]))
            }
        }
        if json {
            try JSONOutput.print(Report(receipt: receipt, uploader: uploader, documents: entries))
        } else {
            print("case \(receipt)  uploader \(uploader)")
            for entry in entries {
                switch entry.outcome {
                case "linked": print("  \(entry.file): linked as \(entry.upload), job \(entry.job ?? "")")
                case "already_linked": print("  \(entry.file): already in this case as \(entry.upload); linked once")
                default:
                    print(TextOutput.verdictBlock(file: entry.file, verdict: .rejected, findings: entry.findings))
                }
            }
        }
        if entries.contains(where: { $0.outcome == "refused" }) { throw ExitCode(1) }
    }
}
