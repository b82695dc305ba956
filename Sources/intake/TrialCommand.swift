import ArgumentParser
import Foundation
import IntakeApplication
import IntakeCore

/// `intake trial`: what candidate size limits would mean, from the store or a CSV, changing no verdict.
struct TrialCommand: IntakeCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Size-limit trial: replay stored (or imported) application sizes against candidate limits.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Candidate totals per application, comma-separated: 10MB,20MB,50MB.")
    var totalLimit: String

    @Option(help: "Per-file limits: one for all candidates, or one per candidate.")
    var fileLimit: String?

    @Option(help: "Read application_id,slot,bytes[,pages][,submitted_at] rows instead of the store.")
    var fromCsv: String?

    @Option(help: "Write a self-contained HTML report to this file.")
    var report: String?

    @Flag(help: "Print one JSON document (SPEC §3d).")
    var json = false

    /// A trial of a CSV reads no store.
    var serviceRole: ServiceRole { fromCsv == nil ? .none : .standalone }

    func run(_ service: IntakeService) async throws -> Int32 {
        let started = Date()
        let candidates = try parseCandidates()
        let source: IntakeService.TrialSource
        if let fromCsv {
            guard let data = FileManager.default.contents(atPath: fromCsv) else {
                throw OperationalError("cannot read \(fromCsv)")
            }
            source = .csv(bytes: Array(data), name: (fromCsv as NSString).lastPathComponent)
        } else {
            source = .store
        }
        let result = try await service.trial(candidates: candidates, source: source)
        if let report {
            let page = TrialReportPage.render(result, generatedAt: Date())
            do {
                try page.write(toFile: report, atomically: true, encoding: .utf8)
            } catch {
                throw OperationalError("cannot write \(report): \(error.localizedDescription)")
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        if json {
            try JSONOutput.print(
                TrialOutput(result, source: fromCsv == nil ? "store" : "csv", elapsedSeconds: elapsed))
            return 0
        }
        print("trial on \(result.source): \(result.applications) applications, \(result.files) files")
        print(
            "application size p50 \(ByteSize(bytes: result.percentiles.p50)), "
                + "p90 \(ByteSize(bytes: result.percentiles.p90)), p99 \(ByteSize(bytes: result.percentiles.p99))")
        for outcome in result.outcomes {
            print(
                "  \(TrialReportPage.label(outcome.candidate)): \(outcome.applicationsWithin) within, "
                    + "\(outcome.applicationsOver) over (\(TrialReportPage.percent(outcome.shareWithin))); "
                    + "\(TrialReportPage.storage(outcome.storagePerYearBytes)) and "
                    + "\(TrialReportPage.coreHours(outcome.cpuSecondsPerYear)) a year")
        }
        print("rate: \(result.rateBasis); cost: \(result.cost.basis)")
        if let report { print("report: \(report)") }
        print(String(format: "took %.2f s", elapsed))
        return 0
    }

    func parseCandidates() throws -> [TrialCandidate] {
        func sizes(_ text: String, option: String) throws -> [ByteSize] {
            try text.split(separator: ",").map { part in
                guard let size = ByteSize(parsing: String(part)) else {
                    throw ValidationError("\(option): “\(part)” is not a size with a unit (e.g. 20MB)")
                }
                return size
            }
        }
        let totals = try sizes(totalLimit, option: "--total-limit")
        guard !totals.isEmpty else { throw ValidationError("--total-limit needs at least one size") }
        let files = try fileLimit.map { try sizes($0, option: "--file-limit") } ?? []
        switch files.count {
        case 0: return totals.map { TrialCandidate(totalLimit: $0, fileLimit: nil) }
        case 1: return totals.map { TrialCandidate(totalLimit: $0, fileLimit: files[0]) }
        case totals.count: return zip(totals, files).map { TrialCandidate(totalLimit: $0, fileLimit: $1) }
        default: throw ValidationError("--file-limit takes one size, or one per --total-limit candidate")
        }
    }
}
