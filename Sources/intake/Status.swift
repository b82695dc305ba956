import ArgumentParser
import Foundation
import IntakeApplication
import IntakeCore

/// `intake status`: where things stand.
struct Status: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an application's uploads, items, latest verdicts, findings, jobs and totals.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Application id (omit to list applications).")
    var application: String?

    @Option(help: "Show one upload.")
    var upload: String?

    @Option(help: "Show one job.")
    var job: String?

    @Flag(help: "Print one JSON document (SPEC §3b).")
    var json = false

    func run(_ service: IntakeService) async throws -> Int32 {
        if let job {
            let record = try await service.job(job)
            if json {
                try JSONOutput.print(JobSummary(record))
            } else {
                print("job \(record.id)  \(record.state.rawValue)  attempts \(record.attempts)/\(record.maxAttempts)")
                if let error = record.lastError { print("  last error: \(error)") }
            }
        } else if let upload {
            let status = try await service.uploadStatus(upload)
            if json { try JSONOutput.print(ApplicationReport.upload(status)) } else { print(TextOutput.upload(status)) }
        } else if let application {
            let status = try await service.applicationStatus(application)
            if json {
                try JSONOutput.print(ApplicationReport(status, policy: service.policy))
            } else {
                print(TextOutput.application(status, policy: service.policy))
            }
        } else {
            let ids = try await service.applicationIds()
            if json { try JSONOutput.print(ids) } else { for id in ids { print(id) } }
        }
        return 0
    }
}
