import ArgumentParser
import BlobStorage
import Foundation
import IntakeApplication
import IntakeCore

/// `intake add`: additional documents (追加資料) for a case under review.
struct Add: IntakeCommand {
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

    func run(_ service: IntakeService) async throws -> Int32 {
        var documents: [AddedDocument] = []
        for file in files {
            var document = try await service.add(
                IntakeService.Addition(
                    receipt: receipt, uploader: uploader, fileName: (file as NSString).lastPathComponent,
                    isBundle: bundle),
                body: FileChunks(path: file))
            document.file = file
            documents.append(document)
        }
        if json {
            try JSONOutput.print(AddReport(receipt: receipt, uploader: uploader, documents: documents))
        } else {
            print("case \(receipt)  uploader \(uploader)")
            for document in documents { print(TextOutput.addition(document)) }
        }
        return documents.contains { $0.outcome == .refused } ? 1 : 0
    }
}
