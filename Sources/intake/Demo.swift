import ArgumentParser
import BlobStorage
import Foundation
import IntakeApplication
import IntakeCore
import IntakeStore

/// `intake demo`: the main job on the embedded store, end to end.
struct Demo: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit the sample applications in SampleDocs/ through the queue into a fresh data folder, "
            + "run the worker until the queue is empty, and print the verdicts.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Folder of sample applications: one subfolder per application, named by its id.")
    var samples = "SampleDocs"

    /// The worker runs beside the demo for its whole length.
    var serviceRole: ServiceRole { .worker(untilEmpty: false) }

    /// A fresh data folder every run, so the demo always shows the same thing; but only a folder the demo made
    /// (it leaves a marker), never one that holds real uploads.
    func adjust(_ settings: inout IntakeSettings) throws {
        let folder = global.data ?? "./.intake/demo"
        let marker = folder + "/.intake-demo"
        let manager = FileManager.default
        if manager.fileExists(atPath: folder) {
            let contents = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
            guard contents.isEmpty || manager.fileExists(atPath: marker) else {
                throw OperationalError("\(folder) is not a demo folder (no .intake-demo marker): refusing to erase it")
            }
            try manager.removeItem(atPath: folder)
        }
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard manager.createFile(atPath: marker, contents: Data("made by intake demo\n".utf8)) else {
            throw OperationalError("cannot write \(marker)")
        }
        settings.storage.dataFolder = folder
    }

    func run(_ service: IntakeService) async throws -> Int32 {
        let policy = service.policy
        let folder = service.settings.storage.dataFolder
        let applications = try sampleApplications()
        guard !applications.isEmpty else {
            throw OperationalError("no sample applications under \(samples)/ (run `make samples`)")
        }
        print("Intake demo — data folder \(folder), policy \(policy.version)")
        print(
            "Rules: PDF only, no password or print/copy restriction, \(policy.fileLimit) per file, "
                + "\(policy.applicationTotalLimit) per application (photo included).")
        let photo = policy.photo
        print(
            "Photo: JPEG or PNG, 3:4, at least \(photo.minWidth) × \(photo.minHeight) pixels, one face, head "
                + "\(Int(photo.headHeight.lowerBound * 100))–\(Int(photo.headHeight.upperBound * 100)) % of the height, "
                + "centred, level, plain background, sharp, well exposed, colour, taken within "
                + "\(photo.maxAgeMonths) months.\n")
        print("1. Submitting (each file stored durably, then one job queued per upload)")
        for (application, files) in applications {
            let bundles = regularFiles(in: "\(samples)/\(application)/bundles").filter { $0.hasSuffix(".pdf") }
            for (file, isBundle) in files.map({ ($0, false) }) + bundles.map({ ($0, true) }) {
                let slot = Self.slot(of: file)
                let name = (file as NSString).lastPathComponent
                let result = try await service.submit(
                    IntakeService.Submission(
                        application: application, uploader: "demo-applicant", receipt: nil, slot: slot,
                        fileName: name, bundle: isBundle ? BundleInstructions(manifest: nil) : nil),
                    body: FileChunks(path: file))
                let note =
                    isBundle ? "  (a bundle: split by its bookmarks)" : slot == .photo ? "  (the face photo)" : ""
                print("   \(application)  \(result.upload ?? "")  \(name)\(note)")
            }
        }
        if let (application, files) = applications.first,
            let file = files.first(where: { Self.slot(of: $0) == .attachment })
        {
            let name = (file as NSString).lastPathComponent
            let again = try await service.submit(
                IntakeService.Submission(
                    application: application, uploader: "demo-applicant", receipt: nil, slot: .attachment,
                    fileName: name),
                body: FileChunks(path: file))
            print(
                "   resubmitted \(name): "
                    + (again.duplicate
                        ? "recognised as \(again.upload ?? ""), not stored or queued again" : "stored again"))
        }

        print("\n2. Working the queue until it is empty")
        let started = Date()
        try await service.waitUntilQueueIsEmpty()
        print(String(format: "   done in %.2f s", Date().timeIntervalSince(started)))
        let (caseApplication, _) = applications[0]
        let receipt = try await service.applicationStatus(caseApplication).application.receipt
        print("   \(caseApplication) became case \(receipt) (受付番号)")

        print("\n3. Verdicts")
        for (application, _) in applications {
            print(TextOutput.application(try await service.applicationStatus(application), policy: policy))
            print("")
        }

        let additional = regularFiles(in: "\(samples)/\(caseApplication)/additional")
        if !additional.isEmpty {
            print("4. Additional documents (追加資料) for case \(receipt)")
            _ = try await service.setCaseState(receipt: receipt, to: .awaitingAdditional, actor: "reviewer-1")
            print("   reviewer-1 asks for more evidence: case is now awaiting_additional")
            for uploader in ["demo-applicant", "someone-else"] {
                let name = (additional[0] as NSString).lastPathComponent
                let document = try await service.add(
                    IntakeService.Addition(receipt: receipt, uploader: uploader, fileName: name),
                    body: FileChunks(path: additional[0]))
                switch document.outcome {
                case .linked: print("   \(uploader) adds \(name): linked as \(document.upload), queued")
                case .alreadyLinked: print("   \(uploader) adds \(name): already in the case as \(document.upload)")
                case .refused:
                    print("   \(uploader) adds \(name): REFUSED, kept for audit outside the case")
                    print(
                        TextOutput.verdictBlock(
                            file: name, verdict: .rejected, findings: document.findings, indent: "     "))
                }
            }
            try await service.waitUntilQueueIsEmpty()
            let status = try await service.applicationStatus(caseApplication)
            if let additional = TextOutput.additional(status, policy: policy) {
                print("")
                print("application \(caseApplication)  receipt \(receipt)  \(status.application.status.rawValue)")
                print(additional)
            }
            print("")
        }
        try await bulkArchive(service)
        print("Inspect one as JSON: intake status \(applications[0].0) --json --data \(folder)")
        print("Look at the case:    intake case show <receipt> --data \(folder)")
        return 0
    }

    /// `SampleDocs/archives/sample.zip` through `submit-archive`'s path: the report row by row, then the verdicts of
    /// the rows it took.
    func bulkArchive(_ service: IntakeService) async throws {
        let archive = "\(samples)/archives/sample.zip"
        guard FileManager.default.fileExists(atPath: archive) else { return }
        print("5. A bulk archive (一括申請): \(archive), applications.csv and the files it names")
        let report = try await service.submitArchive(uploader: "demo-employer", body: FileChunks(path: archive))
        for finding in report.findings { print("   ! \(finding.code)  \(finding.message.ja)") }
        for row in report.rows {
            if let finding = row.findings.first {
                print("   row \(row.row)  REFUSED \(finding.code)")
                print("      ja: \(finding.message.ja)")
                print("      en: \(finding.message.en)")
            } else {
                print("   row \(row.row)  \(row.application ?? "")  \(row.file ?? "")  queued as \(row.upload ?? "")")
            }
        }
        try await service.waitUntilQueueIsEmpty()
        print("   verdicts of the rows taken:")
        for row in report.rows {
            guard let upload = row.upload else { continue }
            let status = try await service.uploadStatus(upload)
            let codes = status.items.flatMap { $0.latest?.findings ?? [] }.filter { $0.severity == .error }
                .map(\.code.rawValue)
            let why = codes.isEmpty ? "" : "  (\(codes.joined(separator: ", ")))"
            print("   row \(row.row)  \(row.file ?? "")  \(UploadResource.state(status).uppercased())\(why)")
        }
        print("   (intake submit-archive FILE.zip --uploader ID --report-csv report.csv writes this for Excel)\n")
    }

    /// A sample named `photo.jpg` (or `.png`) is the application's face photo; every other file is an attachment.
    static func slot(of file: String) -> Slot {
        (file as NSString).lastPathComponent.hasPrefix("photo.") ? .photo : .attachment
    }

    /// Regular files of a folder, in name order (empty when it does not exist).
    func regularFiles(in folder: String) -> [String] {
        let manager = FileManager.default
        return ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }
            .map { folder + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return manager.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }

    /// `SampleDocs/APP-ID/*` and the generated `SampleDocs/generated/APP-ID/*`, in application id order.
    func sampleApplications() throws -> [(String, [String])] {
        let manager = FileManager.default
        guard manager.fileExists(atPath: samples) else { throw OperationalError("cannot read \(samples)/") }
        var result: [(String, [String])] = []
        for root in [samples, samples + "/generated"] {
            for entry in (try? manager.contentsOfDirectory(atPath: root)) ?? []
            where entry != "generated" && entry != "archives" {
                let path = root + "/" + entry
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    continue
                }
                // The photo first, as the upload form asks for it first.
                let all = regularFiles(in: path)
                let files = all.filter { Self.slot(of: $0) == .photo } + all.filter { Self.slot(of: $0) != .photo }
                if !files.isEmpty { result.append((entry, files)) }
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }
}
