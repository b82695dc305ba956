import ArgumentParser
import Foundation
import Glibc
import IntakeApplication
import IntakeCore
import IntakeStore

/// `intake reprocess`: judge stored items again under the current policy.
struct Reprocess: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-validate stored items under the current policy; --dry-run reports what would change.",
        discussion: """
            Reprocessing works per application, because the size limits count an application's items together: \
            every item of each selected application is judged again from the facts its inspection recorded, in \
            the order its verdicts were decided. A new verdict is appended only where the result or the policy \
            version differs; the old ones stay as history. Jobs run below live uploads. An interrupted run \
            resumes where it stopped when run again: applications already judged under this policy are skipped.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "One application.") var application: String?
    @Option(help: "Applications with an item whose latest verdict has this finding code.") var code: String?
    @Option(help: "Applications with uploads received since this date (2026-01-05, or a UTC time).") var since: String?
    @Flag(help: "Every application.") var all = false
    @Flag(help: "Report what would change; enqueue and write nothing.") var dryRun = false
    @Flag(help: "Enqueue the jobs and return; a running `intake work` does them.") var noWait = false
    @Flag(help: "Print one JSON document.") var json = false

    /// A run that waits does its jobs with a worker beside it.
    var serviceRole: ServiceRole { dryRun || noWait ? .none : .worker(untilEmpty: false) }

    func validate() throws { _ = try selection() }

    func selection() throws -> ReprocessSelection {
        var chosen: [ReprocessSelection] = []
        if let application { chosen.append(.application(application)) }
        if let code { chosen.append(.code(code)) }
        if let since {
            guard let time = parseTimestamp(since) else {
                throw ValidationError("--since: “\(since)” is not a date such as 2026-01-05")
            }
            chosen.append(.since(time))
        }
        if all { chosen.append(.all) }
        guard chosen.count == 1 else {
            throw ValidationError("choose exactly one of --application, --code, --since, --all")
        }
        return chosen[0]
    }

    func run(_ service: IntakeService) async throws -> Int32 {
        let policy = service.policy
        if dryRun {
            let report = try await service.reprocessDryRun(try selection())
            if json {
                try JSONOutput.print(report)
            } else {
                print(
                    "dry run under policy \(policy.version): \(report.examined) items examined, "
                        + "\(report.changes.count) would change")
                for change in report.changes {
                    print(
                        "  \(change.application)  \(change.file)  \(change.from.rawValue) → \(change.to.rawValue)  "
                            + change.codes.joined(separator: ", "))
                }
            }
            return 0
        }
        let run = try await service.startReprocess(try selection())
        let summary =
            "\(run.selected) applications selected: \(run.queued) queued, "
            + "\(run.resumed) already queued (resumed), \(run.upToDate) already under policy \(policy.version)"
        if noWait || run.pending == 0 {
            if json {
                try JSONOutput.print([
                    "selected": run.selected, "queued": run.queued, "resumed": run.resumed, "up_to_date": run.upToDate,
                ])
            } else {
                print(summary)
            }
            return 0
        }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        try await Self.showProgress(total: run.pending, service: service)
        try await service.waitUntilQueueIsEmpty()
        let left = try await service.reprocessJobsLeft()
        if json {
            try JSONOutput.print([
                "selected": run.selected, "reprocessed": run.pending - left, "left": left, "up_to_date": run.upToDate,
            ])
        } else {
            print(
                "\(run.pending - left) of \(run.pending) applications reprocessed under policy \(policy.version)"
                    + (left > 0 ? "; \(left) left: run the same command again to resume" : ""))
        }
        return 0
    }

    /// A bar on a terminal, a line every few seconds otherwise, on stderr, until the run's jobs are done.
    static func showProgress(total: Int, service: IntakeService) async throws {
        let terminal = isatty(2) == 1
        var lastLine = Date.distantPast
        while true {
            let done = max(0, total - (try await service.reprocessJobsLeft()))
            if terminal {
                let width = 30
                let filled = total > 0 ? width * done / total : width
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                FileHandle.standardError.write(Data("\r  [\(bar)] \(done)/\(total) applications".utf8))
            } else if Date().timeIntervalSince(lastLine) >= 5 {
                FileHandle.standardError.write(Data("  reprocessed \(done)/\(total) applications\n".utf8))
                lastLine = Date()
            }
            if done >= total { break }
            try await Task.sleep(for: .milliseconds(terminal ? 200 : 50))
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
