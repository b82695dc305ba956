import ArgumentParser
import Foundation
import Glibc
import IntakeCore
import IntakeStore
import IntakeWorker
import Logging

/// `intake reprocess`: judge stored items again under the current policy.
struct Reprocess: AsyncParsableCommand {
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

    struct Change: Encodable {
        var application: String
        var upload: String
        var item: String
        var file: String
        var from: Verdict
        var to: Verdict
        var codes: [String]
    }

    struct DryRun: Encodable {
        var examined: Int
        var policy: String
        var changes: [Change]
    }

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

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let selection = try selection()
        let configuration = try global.loadConfiguration()
        let policy = try global.loadPolicy(configuration)
        let settings = try global.loadSettings(configuration)
        let (store, _) = try global.openStore()
        let applications = try await store.applications(matching: selection)
        if dryRun {
            try await report(dryRun: try await changes(applications, store: store, policy: policy), policy: policy)
            return
        }
        let enqueued = try await store.enqueueReprocess(
            applicationIds: applications, policyVersion: policy.version, now: now(), maxAttempts: settings.maxAttempts)
        let pending = enqueued.enqueued + enqueued.alreadyQueued
        let summary =
            "\(applications.count) applications selected: \(enqueued.enqueued) queued, "
            + "\(enqueued.alreadyQueued) already queued (resumed), \(enqueued.upToDate) already under policy \(policy.version)"
        if noWait || pending == 0 {
            if json {
                try JSONOutput.print(["selected": applications.count, "queued": enqueued.enqueued,
                                      "resumed": enqueued.alreadyQueued, "up_to_date": enqueued.upToDate])
            } else {
                print(summary)
            }
            return
        }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        let progress = Task { await Self.showProgress(total: pending, store: store) }
        try await runWorker(global: global, concurrency: nil, untilEmpty: true)
        progress.cancel()
        _ = await progress.value
        let left = try await store.unfinishedJobs(kind: JobKind.reprocessApplication)
        if json {
            try JSONOutput.print(["selected": applications.count, "reprocessed": pending - left, "left": left,
                                  "up_to_date": enqueued.upToDate])
        } else {
            print("\(pending - left) of \(pending) applications reprocessed under policy \(policy.version)"
                + (left > 0 ? "; \(left) left: run the same command again to resume" : ""))
        }
    }

    /// Would-be verdicts of every item of the applications, compared with their current ones. Writes nothing.
    func changes(_ applications: [String], store: SQLiteStore, policy: Policy) async throws -> DryRun {
        let processor = UploadProcessor(policy: policy)
        var examined = 0
        var changes: [Change] = []
        for application in applications {
            let entries = try await store.replayEntries(applicationId: application)
            examined += entries.count
            for (entry, result) in zip(entries, processor.replay(entries)) where result.verdict != entry.latest.verdict {
                let before = Set(entry.latest.findings.filter { $0.severity == .error }.map(\.code.rawValue))
                let after = Set(result.findings.filter { $0.severity == .error }.map(\.code.rawValue))
                changes.append(
                    Change(
                        application: application, upload: entry.upload.id, item: entry.item.id,
                        file: entry.upload.fileName, from: entry.latest.verdict, to: result.verdict,
                        codes: before.symmetricDifference(after).sorted()))
            }
        }
        return DryRun(examined: examined, policy: policy.version, changes: changes)
    }

    func report(dryRun: DryRun, policy: Policy) async throws {
        if json {
            try JSONOutput.print(dryRun)
            return
        }
        print("dry run under policy \(policy.version): \(dryRun.examined) items examined, \(dryRun.changes.count) would change")
        for change in dryRun.changes {
            print("  \(change.application)  \(change.file)  \(change.from.rawValue) → \(change.to.rawValue)  "
                + change.codes.joined(separator: ", "))
        }
    }

    /// A bar on a terminal, a line every few seconds otherwise, on stderr.
    static func showProgress(total: Int, store: SQLiteStore) async {
        let terminal = isatty(2) == 1
        var lastLine = Date.distantPast
        while !Task.isCancelled {
            let left = (try? await store.unfinishedJobs(kind: JobKind.reprocessApplication)) ?? total
            let done = max(0, total - left)
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
            try? await Task.sleep(for: .milliseconds(terminal ? 200 : 1000))
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
