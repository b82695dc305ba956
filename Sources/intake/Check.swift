import ArgumentParser
import Foundation
import IntakeCore
import IntakeWorker

/// `intake check FILE…`: validate files directly, no queue, no storage.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate files directly (no queue, no storage). Exit 0 when all are accepted, 1 otherwise.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: "Slot to check the files for: photo or attachment. By default a JPEG, PNG, GIF, HEIC or other image is checked as the face photo, anything else as an attachment.")
    var slot: Slot?

    @Flag(help: "Print one JSON document (SPEC §3).")
    var json = false

    @Argument(help: "Files to check.")
    var files: [String]

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let policy = try global.loadPolicy(configuration)
        let settings = try global.loadSettings(configuration)
        let pool = InspectorPool(
            size: min(settings.concurrency, files.count), executable: currentExecutable(),
            limits: settings.inspection)
        let rules = FileRules(policy: policy)
        let today = CalendarDay(japanTime: Date().timeIntervalSince1970)
        let landmarkModel = settings.landmarkModel

        let reports = await withTaskGroup(of: (Int, CheckReport).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask {
                    let path = URL(fileURLWithPath: file).path
                    let facts = await pool.inspect(path: path, landmarkModel: slot == .attachment ? nil : landmarkModel)
                    let slot = slot ?? (facts.mime.hasPrefix("image/") ? .photo : .attachment)
                    let name = (file as NSString).lastPathComponent
                    let (findings, judged) = rules.judge(facts, fileName: name, slot: slot, submittedOn: today)
                    return (
                        index,
                        CheckReport(
                            file: file, slot: slot, verdict: Verdict(findings: findings), policy: policy.version,
                            findings: findings, facts: judged)
                    )
                }
            }
            var collected: [(Int, CheckReport)] = []
            for await report in group { collected.append(report) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }

        if let unavailable = reports.first(where: { $0.facts.inspectionFailure?.reason == .unavailable }) {
            throw OperationalError(
                "cannot inspect \(unavailable.file): \(unavailable.facts.inspectionFailure?.message ?? "")")
        }
        if json {
            try JSONOutput.print(reports)
        } else {
            print("policy \(policy.version)")
            for report in reports {
                print(TextOutput.verdictBlock(file: report.file, verdict: report.verdict, findings: report.findings))
                if let photo = report.facts.photo { print(TextOutput.photoSummary(photo, indent: "    ")) }
            }
        }
        if reports.contains(where: { $0.verdict == .rejected }) { throw ExitCode(1) }
    }
}

extension Slot: ExpressibleByArgument {}
