import ArgumentParser
import Foundation
import IntakeCore
import IntakeStore

/// `intake status`: where things stand.
struct Status: AsyncParsableCommand {
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

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let policy = try global.loadPolicy(configuration)
        let (store, _) = try global.openStore()
        if let job {
            guard let record = try await store.job(id: job) else { throw OperationalError("no job \(job)") }
            if json {
                try JSONOutput.print(
                    ApplicationReport.JobSummary(
                        id: record.id, state: record.state, attempts: record.attempts, lastError: record.lastError))
            } else {
                print("job \(record.id)  \(record.state.rawValue)  attempts \(record.attempts)/\(record.maxAttempts)")
                if let error = record.lastError { print("  last error: \(error)") }
            }
            return
        }
        if let upload {
            guard let status = try await store.status(uploadId: upload) else {
                throw OperationalError("no upload \(upload)")
            }
            if json {
                try JSONOutput.print(ApplicationReport.upload(status))
            } else {
                print(Self.render(status))
            }
            return
        }
        guard let application else {
            let ids = try await store.applicationIds()
            if json {
                try JSONOutput.print(ids)
            } else {
                for id in ids { print(id) }
            }
            return
        }
        guard let status = try await store.status(applicationId: application) else {
            throw OperationalError("no application \(application)")
        }
        if json {
            try JSONOutput.print(ApplicationReport(status, policy: policy))
        } else {
            print(Self.render(status, policy: policy))
        }
    }

    static func render(_ status: ApplicationStatus, policy: Policy) -> String {
        var lines = [
            "application \(status.application.id)  receipt \(status.application.receipt)  "
                + "\(status.application.status.rawValue)  owner \(status.application.owner)"
        ]
        for upload in status.uploads { lines.append(render(upload)) }
        lines.append(
            "  total accepted \(ByteSize(bytes: status.acceptedBytes)) of \(policy.applicationTotalLimit) "
                + "(policy \(policy.version))")
        if let additional = renderAdditional(status, policy: policy) { lines.append(additional) }
        return lines.joined(separator: "\n")
    }

    /// The additional documents of a case and its current allowance; nil when there is nothing to say.
    static func renderAdditional(_ status: ApplicationStatus, policy: Policy) -> String? {
        guard !status.additional.isEmpty || status.application.round > 0 else { return nil }
        var lines: [String] = []
        if !status.additional.isEmpty {
            lines.append("  additional documents (追加資料), in the order they came:")
            for upload in status.additional { lines.append(render(upload)) }
        }
        lines.append(
            "  additional accepted in request round \(status.application.round): "
                + "\(ByteSize(bytes: status.usage.acceptedAdditionalBytesThisRound)) of \(policy.additionalTotalLimit)")
        return lines.joined(separator: "\n")
    }

    static func render(_ status: UploadStatus) -> String {
        var lines: [String] = []
        let job = status.job.map { " — job \($0.state.rawValue), attempt \($0.attempts)" } ?? ""
        let origin =
            status.upload.slot == .additional
            ? "  by \(status.upload.uploader) at \(Timestamps.iso8601(status.upload.createdAt)), round \(status.upload.round)"
            : ""
        lines.append(
            "  [\(status.upload.slot.rawValue)] \(status.upload.fileName)  \(ByteSize(bytes: status.upload.bytes))  "
                + "\(status.upload.id)\(job)\(origin)")
        if let error = status.job?.lastError, status.job?.state != .succeeded {
            lines.append("      last error: \(error)")
        }
        for item in status.items {
            var title = item.item.title
            if status.items.count > 1, let first = item.item.firstPage, let last = item.item.lastPage {
                title += first == last ? " (page \(first))" : " (pages \(first)–\(last))"
            }
            lines.append(
                TextOutput.verdictBlock(
                    file: title, verdict: item.latest?.verdict, findings: item.latest?.findings ?? [], indent: "    "))
            if let photo = item.latest?.facts.photo {
                lines.append(TextOutput.photoSummary(photo, indent: "      "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
