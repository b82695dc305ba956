import Foundation
import IntakeApplication
import IntakeCore
import IntakeStore

/// `--json` output: the one encoding of `IntakeApplication`, on stdout.
enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) throws {
        // Through stdio, not FileHandle.write, which traps when the reader has gone (`| head`).
        Swift.print(String(decoding: try IntakeJSON.encode(value), as: UTF8.self))
    }
}

/// Plain-text rendering for terminals.
enum TextOutput {
    static func application(_ status: ApplicationStatus, policy: Policy) -> String {
        var lines = [
            "application \(status.application.id)  receipt \(status.application.receipt)  "
                + "\(status.application.status.rawValue)  owner \(status.application.owner)"
        ]
        for upload in status.uploads { lines.append(self.upload(upload)) }
        lines.append(
            "  total accepted \(ByteSize(bytes: status.acceptedBytes)) of \(policy.applicationTotalLimit) "
                + "(policy \(policy.version))")
        if let additional = additional(status, policy: policy) { lines.append(additional) }
        return lines.joined(separator: "\n")
    }

    /// The additional documents of a case and its current allowance; nil when there is nothing to say.
    static func additional(_ status: ApplicationStatus, policy: Policy) -> String? {
        guard !status.additional.isEmpty || status.application.round > 0 else { return nil }
        var lines: [String] = []
        if !status.additional.isEmpty {
            lines.append("  additional documents (追加資料), in the order they came:")
            for upload in status.additional { lines.append(self.upload(upload)) }
        }
        lines.append(
            "  additional accepted in request round \(status.application.round): "
                + "\(ByteSize(bytes: status.usage.acceptedAdditionalBytesThisRound)) of \(policy.additionalTotalLimit)")
        return lines.joined(separator: "\n")
    }

    static func upload(_ status: UploadStatus) -> String {
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
                verdictBlock(
                    file: title, verdict: item.latest?.verdict, findings: item.latest?.findings ?? [], indent: "    "))
            if let photo = item.latest?.facts.photo {
                lines.append(photoSummary(photo, indent: "      "))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func caseView(_ view: CaseView, policy: Policy) -> String {
        var lines = [application(view.status, policy: policy)]
        let grantees = view.grants.map { "\($0.uploader) (by \($0.grantedBy))" }
        lines.append(
            "  may add documents: \(view.status.application.owner) (owner)"
                + (grantees.isEmpty ? "" : ", " + grantees.joined(separator: ", ")))
        lines.append("  history:")
        for event in view.events {
            lines.append("    \(Timestamps.iso8601(event.at))  \(event.kind)  \(event.actor)  \(event.detail)")
        }
        return lines.joined(separator: "\n")
    }

    /// One additional document's outcome, as `add` prints it.
    static func addition(_ document: AddedDocument) -> String {
        switch document.outcome {
        case .linked: "  \(document.file): linked as \(document.upload), job \(document.job ?? "")"
        case .alreadyLinked: "  \(document.file): already in this case as \(document.upload); linked once"
        case .refused: verdictBlock(file: document.file, verdict: .rejected, findings: document.findings)
        }
    }

    /// A face photo's main measurements on one line, so an accepted photo also shows what was checked.
    static func photoSummary(_ photo: PhotoFacts, indent: String) -> String {
        let measured = photo.measurements
        func percent(_ value: Double?) -> String { value.map { "\(Int(($0 * 100).rounded())) %" } ?? "–" }
        func number(_ value: Double?, _ format: String) -> String { value.map { String(format: format, $0) } ?? "–" }
        var parts = ["\(photo.format.uppercased()) \(photo.width) × \(photo.height)", "faces \(photo.faces.count)"]
        if photo.faces.count == 1 {
            parts += [
                "head \(percent(measured.headHeightRatio))", "top margin \(percent(measured.topMarginRatio))",
                "centre \(percent(measured.faceCenterRatio))", "roll \(number(measured.rollDegrees, "%.1f"))°",
                "yaw \(number(measured.yawDegrees, "%.1f"))°", "pitch \(number(measured.pitchDegrees, "%.1f"))°",
                "eyes open \(number(measured.eyeOpenness, "%.2f"))",
                "eyes \(number(measured.interEyeDistance, "%.0f")) px apart",
                "background ±\(number(measured.backgroundDeviation, "%.0f"))",
                "sharpness \(number(measured.sharpness, "%.0f"))",
                "face brightness \(number(measured.faceBrightness, "%.0f"))",
            ]
        }
        // Judged with or without a face: shown for every photo.
        parts.append("image sharpness \(number(measured.imageSharpness, "%.0f"))")
        if let captured = photo.capturedAt { parts.append("taken \(captured.prefix(10))") }
        return indent + "measured: " + parts.joined(separator: " · ")
    }

    /// One file's verdict and its findings, each in both languages.
    static func verdictBlock(file: String, verdict: Verdict?, findings: [Finding], indent: String = "  ") -> String {
        let mark: String
        switch verdict {
        case .accepted?: mark = findings.isEmpty ? "ACCEPTED" : "ACCEPTED (with warnings)"
        case .rejected?: mark = "REJECTED"
        case nil: mark = "pending"
        }
        var lines = ["\(indent)\(file) — \(mark)"]
        for finding in findings {
            let tag = finding.severity == .error ? "✗" : "!"
            lines.append("\(indent)  \(tag) \(finding.code) (\(finding.severity.rawValue))")
            lines.append("\(indent)      ja: \(finding.message.ja)")
            lines.append("\(indent)      en: \(finding.message.en)")
        }
        return lines.joined(separator: "\n")
    }
}
