import Foundation
import IntakeCore
import IntakeStore

/// `check --json`: one object per file (SPEC §3).
struct CheckReport: Encodable {
    var file: String
    var slot: Slot
    var verdict: Verdict
    var policy: String
    var findings: [Finding]
    var facts: FileFacts
}

/// `status APPLICATION --json` (SPEC §3b).
struct ApplicationReport: Encodable {
    struct JobSummary: Encodable {
        var id: String
        var state: JobState
        var attempts: Int
        var lastError: String?
        enum CodingKeys: String, CodingKey {
            case id, state, attempts
            case lastError = "last_error"
        }
    }
    struct Item: Encodable {
        var id: String
        var title: String
        var type: String?
        var pages: [Int]?
        var sha256: String
        var bytes: Int64
        var verdict: Verdict?
        var policy: String?
        var findings: [Finding]
        var history: Int

        enum CodingKeys: String, CodingKey {
            case id, title, type, pages, sha256, bytes, verdict, policy, findings, history
        }

        /// `null` for what is not known yet (a pending item has no verdict), as SPEC §3b lists every key.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(title, forKey: .title)
            try container.encode(type, forKey: .type)
            try container.encode(pages, forKey: .pages)
            try container.encode(sha256, forKey: .sha256)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(verdict, forKey: .verdict)
            try container.encode(policy, forKey: .policy)
            try container.encode(findings, forKey: .findings)
            try container.encode(history, forKey: .history)
        }
    }
    struct Upload: Encodable {
        var id: String
        var slot: Slot
        var file: String
        var uploader: String
        var uploadedAt: String
        /// For additional documents: the request round of the case they answer.
        var round: Int?
        var sha256: String
        var bytes: Int64
        var job: JobSummary?
        var items: [Item]
    }
    struct Totals: Encodable {
        var acceptedBytes: Int64
        var totalLimitBytes: Int64
        var additionalRound: Int
        var additionalAcceptedBytes: Int64
        var additionalLimitBytes: Int64
        enum CodingKeys: String, CodingKey {
            case acceptedBytes = "accepted_bytes"
            case totalLimitBytes = "total_limit_bytes"
            case additionalRound = "additional_round"
            case additionalAcceptedBytes = "additional_accepted_bytes"
            case additionalLimitBytes = "additional_limit_bytes"
        }
    }
    var application: String
    var receipt: String
    var status: CaseState
    var owner: String
    /// The photo and attachments sent with the application.
    var uploads: [Upload]
    /// Additional documents linked to the case, in the order they came.
    var additional: [Upload]
    var totals: Totals

    init(_ status: ApplicationStatus, policy: Policy) {
        application = status.application.id
        receipt = status.application.receipt
        self.status = status.application.status
        owner = status.application.owner
        uploads = status.uploads.map(Self.upload)
        additional = status.additional.map(Self.upload)
        totals = Totals(
            acceptedBytes: status.acceptedBytes, totalLimitBytes: policy.applicationTotalLimit.bytes,
            additionalRound: status.application.round,
            additionalAcceptedBytes: status.usage.acceptedAdditionalBytesThisRound,
            additionalLimitBytes: policy.additionalTotalLimit.bytes)
    }

    static func upload(_ status: UploadStatus) -> Upload {
        Upload(
            id: status.upload.id, slot: status.upload.slot, file: status.upload.fileName,
            uploader: status.upload.uploader, uploadedAt: Timestamps.iso8601(status.upload.createdAt),
            round: status.upload.slot == .additional ? status.upload.round : nil,
            sha256: status.upload.sha256, bytes: status.upload.bytes,
            job: status.job.map {
                JobSummary(id: $0.id, state: $0.state, attempts: $0.attempts, lastError: $0.lastError)
            },
            items: status.items.map { item in
                Item(
                    id: item.item.id, title: item.item.title, type: item.item.documentType,
                    pages: item.item.firstPage.flatMap { first in item.item.lastPage.map { [first, $0] } },
                    sha256: item.item.sha256, bytes: item.item.bytes, verdict: item.latest?.verdict,
                    policy: item.latest?.policyVersion, findings: item.latest?.findings ?? [], history: item.history)
            })
    }
}

enum Timestamps {
    static func iso8601(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}

enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Through stdio, not FileHandle.write, which traps when the reader has gone (`| head`).
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// Plain-text rendering for terminals.
enum TextOutput {
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
