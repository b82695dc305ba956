import ArgumentParser
import Foundation
import IntakeCore
import IntakeStore

/// `intake trial`: what candidate size limits would mean, from the store or a CSV, changing no verdict.
struct TrialCommand: AsyncParsableCommand {
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

    struct Output: Encodable {
        struct Candidate: Encodable {
            var totalLimitBytes: Int64
            var fileLimitBytes: Int64?
            var applicationsWithin: Int
            var applicationsOver: Int
            var shareWithin: Double
            var bytesWithin: Int64
            var bytesIfAllAccepted: Int64
            var storagePerYearBytes: Double
            var cpuHoursPerYear: Double

            enum CodingKeys: String, CodingKey {
                case totalLimitBytes, fileLimitBytes, applicationsWithin, applicationsOver, shareWithin
                case bytesWithin, bytesIfAllAccepted, storagePerYearBytes, cpuHoursPerYear
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(totalLimitBytes, forKey: .totalLimitBytes)
                try container.encode(fileLimitBytes, forKey: .fileLimitBytes)  // null when none, as SPEC §3d
                try container.encode(applicationsWithin, forKey: .applicationsWithin)
                try container.encode(applicationsOver, forKey: .applicationsOver)
                try container.encode(shareWithin, forKey: .shareWithin)
                try container.encode(bytesWithin, forKey: .bytesWithin)
                try container.encode(bytesIfAllAccepted, forKey: .bytesIfAllAccepted)
                try container.encode(storagePerYearBytes, forKey: .storagePerYearBytes)
                try container.encode(cpuHoursPerYear, forKey: .cpuHoursPerYear)
            }
        }
        struct Assumptions: Encodable {
            var applicationsPerYear: Double
            var rate: String
            var secondsPerFile: Double
            var secondsPerMb: Double
            var secondsPerPage: Double
            var cost: String
        }
        var source: String
        var applications: Int
        var files: Int
        var candidates: [Candidate]
        var percentilesApplicationBytes: [String: Int64]
        var assumptions: Assumptions
        var elapsedSeconds: Double
    }

    func run() async throws {
        let started = Date()
        let configuration = try global.loadConfiguration()
        let candidates = try parseCandidates()
        let applications: [TrialApplication]
        let source: String
        var cost: ProcessingCost?
        if let fromCsv {
            guard let data = FileManager.default.contents(atPath: fromCsv) else {
                throw OperationalError("cannot read \(fromCsv)")
            }
            do {
                applications = try TrialCSV.parse(Array(data))
            } catch {
                throw OperationalError("\(fromCsv): \(error)")
            }
            source = "csv"
        } else {
            let (store, _) = try global.openStore()
            applications = try await store.trialApplications()
            cost = ProcessingCost.fitted(samples: try await store.processingSamples(limit: 100_000))
            source = "store"
        }
        let fallback: ProcessingCost
        let perYear: Double
        do {
            fallback = ProcessingCost(
                secondsPerFile: try configuration.duration("trial.cost_per_file").seconds,
                secondsPerMB: try configuration.duration("trial.cost_per_mb").seconds,
                secondsPerPage: try configuration.duration("trial.cost_per_page").seconds,
                basis: "configured figures (trial.cost_per_file, trial.cost_per_mb, trial.cost_per_page)")
            perYear = Double(try configuration.integer("trial.applications_per_year", atLeast: 1))
        } catch {
            throw OperationalError(error.description)
        }
        let result = Trial.run(
            source: fromCsv.map { "CSV \(($0 as NSString).lastPathComponent)" } ?? "the store (\(global.dataFolder))",
            applications: applications, candidates: candidates, cost: cost ?? fallback,
            assumedApplicationsPerYear: perYear)
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
                Output(
                    source: source, applications: result.applications, files: result.files,
                    candidates: result.outcomes.map {
                        Output.Candidate(
                            totalLimitBytes: $0.candidate.totalLimit.bytes, fileLimitBytes: $0.candidate.fileLimit?.bytes,
                            applicationsWithin: $0.applicationsWithin, applicationsOver: $0.applicationsOver,
                            shareWithin: $0.shareWithin, bytesWithin: $0.bytesWithin,
                            bytesIfAllAccepted: $0.bytesIfAllAccepted, storagePerYearBytes: $0.storagePerYearBytes,
                            cpuHoursPerYear: $0.cpuSecondsPerYear / 3600)
                    },
                    percentilesApplicationBytes: [
                        "p50": result.percentiles.p50, "p90": result.percentiles.p90, "p99": result.percentiles.p99,
                    ],
                    assumptions: Output.Assumptions(
                        applicationsPerYear: result.applicationsPerYear, rate: result.rateBasis,
                        secondsPerFile: result.cost.secondsPerFile, secondsPerMb: result.cost.secondsPerMB,
                        secondsPerPage: result.cost.secondsPerPage, cost: result.cost.basis),
                    elapsedSeconds: elapsed))
            return
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
