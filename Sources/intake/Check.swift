import ArgumentParser
import Foundation
import IntakeCore
import IntakeWorker

/// `intake check FILE…`: validate files directly, no queue, no storage.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate files directly (no queue, no storage). Exit 0 when all are accepted, 1 otherwise.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Slot to check the files for: attachment (the default). Photo checks are not available yet.")
    var slot: Slot = .attachment

    @Flag(help: "Print one JSON document (SPEC §3).")
    var json = false

    @Argument(help: "Files to check.")
    var files: [String]

    func run() async throws {
        guard slot != .photo else {
            throw OperationalError("face photo checks are not available yet; check photos once they land")
        }
        let configuration = try global.loadConfiguration()
        let policy = try global.loadPolicy(configuration)
        let settings = try global.loadSettings(configuration)
        let pool = InspectorPool(
            size: min(settings.concurrency, files.count), executable: currentExecutable(),
            limits: settings.inspection)
        let rules = AttachmentRules(policy: policy)

        let reports = await withTaskGroup(of: (Int, CheckReport).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask {
                    let path = URL(fileURLWithPath: file).path
                    let facts = await pool.inspect(path: path)
                    let name = (file as NSString).lastPathComponent
                    let findings = rules.fileFindings(for: facts, fileName: name, slot: slot)
                    return (
                        index,
                        CheckReport(
                            file: file, slot: slot, verdict: Verdict(findings: findings), policy: policy.version,
                            findings: findings, facts: facts)
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
            }
        }
        if reports.contains(where: { $0.verdict == .rejected }) { throw ExitCode(1) }
    }
}

extension Slot: ExpressibleByArgument {}
