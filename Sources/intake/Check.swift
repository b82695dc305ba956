import ArgumentParser
import Foundation
import IntakeApplication
import IntakeCore

/// `intake check FILE…`: validate files directly, no queue, no storage.
struct Check: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate files directly (no queue, no storage). Exit 0 when all are accepted, 1 otherwise.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help:
            "Slot to check the files for: photo or attachment. By default a JPEG, PNG, GIF, HEIC or other image is checked as the face photo, anything else as an attachment."
    )
    var slot: Slot?

    @Flag(help: "Print one JSON document (SPEC §3).")
    var json = false

    @Argument(help: "Files to check.")
    var files: [String]

    var serviceRole: ServiceRole { .standalone }

    func run(_ service: IntakeService) async throws -> Int32 {
        let reports = try await service.check(files: files, slot: slot)
        if json {
            try JSONOutput.print(reports)
        } else {
            print("policy \(service.policy.version)")
            for report in reports {
                print(TextOutput.verdictBlock(file: report.file, verdict: report.verdict, findings: report.findings))
                if let photo = report.facts.photo { print(TextOutput.photoSummary(photo, indent: "    ")) }
            }
        }
        return reports.contains { $0.verdict == .rejected } ? 1 : 0
    }
}

extension Slot: ExpressibleByArgument {}
