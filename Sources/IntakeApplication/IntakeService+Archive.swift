import ArchiveInspection
import BlobStorage
import Foundation
import IntakeCore
import IntakeStore
import IntakeWorker

/// `submit-archive --json` and `POST /v1/archives` (SPEC §9): the archive's digest and one line per CSV row.
public struct ArchiveReport: Encodable, Sendable {
    public struct Row: Encodable, Sendable {
        public var row: Int
        @NullEncodable public var application: String?
        @NullEncodable public var slot: String?
        @NullEncodable public var file: String?
        @NullEncodable public var title: String?
        @NullEncodable public var upload: String?
        @NullEncodable public var job: String?
        @NullEncodable public var receipt: String?
        public var duplicate: Bool
        /// Why the row was not taken; empty when its upload is queued.
        public var findings: [Finding]
    }
    public var archive: String
    public var bytes: Int64
    /// Faults of the archive as a whole (an error here means no row was taken) and its warnings.
    public var findings: [Finding]
    public var rows: [Row]
    public var unlisted: [String]
    public var ignored: [String]

    /// True when every row was taken and the archive itself had no error.
    public var isClean: Bool {
        rows.allSatisfy(\.findings.isEmpty) && !findings.contains { $0.severity == .error }
    }
}

extension IntakeService {
    /// Stores the archive durably, reads it in the isolated inspector, and submits each CSV row's entry as one
    /// upload through `submit`, exactly as a single upload is: the same receipts, owners, duplicates, limits and
    /// case rules. A row that cannot be taken gets its findings and the others go on.
    public func submitArchive<Body: AsyncSequence & Sendable>(uploader: String, body: Body) async throws(IntakeError)
        -> ArchiveReport where Body.Element == [UInt8]
    {
        try Self.validate(identifier: uploader, "uploader id")
        let limits = settings.archive
        let blobs = try blobs
        let stored: StoredBlob
        do {
            stored = try await blobs.write(body, maximumBytes: limits.maxBytes.bytes)
        } catch {
            switch error.code {
            case .tooLarge:
                throw IntakeError(
                    .invalidRequest, "the archive is larger than archive.max_bytes (\(limits.maxBytes))")
            case .sourceUnreadable: throw IntakeError(.fileUnreadable, error.message)
            default: throw IntakeError(.storage, "blob store: \(error.message)")
            }
        }
        let inspector = inspector
        do {
            return try await blobs.withLocalFile(sha256: stored.sha256) { path in
                try await blobs.withScratchFolder { scratch in
                    switch await inspector.readArchive(path: path, scratch: scratch, limits: limits) {
                    case .failed(let failure):
                        let finding = Finding.archiveMalformed(
                            "the archive could not be read within the inspector's limits: \(failure.message)")
                        return ArchiveReport(
                            archive: stored.sha256, bytes: stored.bytes, findings: [finding], rows: [], unlisted: [],
                            ignored: [])
                    case .read(let listing):
                        return try await submitRows(listing, uploader: uploader, archive: stored)
                    }
                }
            }
        } catch let error as IntakeError {
            throw error
        } catch {
            throw IntakeError(.storage, "blob store: \(error)")
        }
    }

    private func submitRows(_ listing: ArchiveListing, uploader: String, archive: StoredBlob)
        async throws(IntakeError) -> ArchiveReport
    {
        var rows: [ArchiveReport.Row] = []
        for entry in listing.rows {
            var row = ArchiveReport.Row(
                row: entry.row, application: entry.upload?.applicationId, slot: entry.upload?.slot.rawValue,
                file: entry.file, title: entry.upload?.title, upload: nil, job: nil, receipt: entry.upload?.receipt,
                duplicate: false, findings: entry.findings)
            guard let upload = entry.upload, let path = entry.path, let bytes = entry.bytes, entry.findings.isEmpty
            else {
                rows.append(row)
                continue
            }
            let slot: Slot = upload.slot == .photo ? .photo : .attachment
            do {
                try Self.validate(identifier: upload.applicationId, "application id")
                if let receipt = upload.receipt { try Self.validate(identifier: receipt, "receipt number") }
            } catch {
                row.findings = [Self.invalidField(row: upload.row, error)]
                rows.append(row)
                continue
            }
            if let refusal = try await admission(application: upload.applicationId, slot: slot, declaredBytes: bytes) {
                row.findings = [refusal]
                rows.append(row)
                continue
            }
            let name = upload.file.split(separator: "/").last.map(String.init) ?? upload.file
            let submitted = try await submit(
                Submission(
                    application: upload.applicationId, uploader: uploader, receipt: upload.receipt, slot: slot,
                    fileName: name, bundle: upload.slot == .bundle ? BundleInstructions(manifest: nil) : nil),
                body: FileChunks(path: path))
            row.upload = submitted.upload
            row.job = submitted.job
            row.receipt = submitted.receipt ?? upload.receipt
            row.duplicate = submitted.duplicate
            row.findings = submitted.findings
            rows.append(row)
        }
        return ArchiveReport(
            archive: archive.sha256, bytes: archive.bytes, findings: listing.findings, rows: rows,
            unlisted: listing.unlisted, ignored: listing.ignored)
    }

    /// An id the CSV gives that `submit` would refuse, as a finding on its row.
    private static func invalidField(row: Int, _ error: IntakeError) -> Finding {
        .archiveCSVInvalid(
            row: row, column: error.message.contains("receipt") ? "receipt" : "application_id",
            reason: LocalizedMessage(
                ja: "1〜128 文字で、制御文字を含まない値にしてください。",
                en: "it must be 1 to 128 characters without control characters."))
    }
}

extension ArchiveReport {
    /// The report as the person who made the archive reads it: CSV in UTF-8 with a BOM, which Excel in Japan opens
    /// as UTF-8, one line per row with the Japanese message beside it. Faults of the archive itself, and its
    /// warnings (unlisted files), come first with an empty row number.
    public func csv() -> String {
        var lines = ["row,application_id,slot,file,result,upload,job,codes,message_ja,message_en"]
        for finding in findings {
            lines.append(
                Self.line([
                    "", "", "", finding.detail["file"].flatMap(Self.text) ?? "",
                    finding.severity == .error ? "refused" : "warning", "", "", finding.code.rawValue,
                    finding.message.ja, finding.message.en,
                ]))
        }
        for row in rows {
            let result = !row.findings.isEmpty ? "refused" : row.duplicate ? "duplicate" : "queued"
            lines.append(
                Self.line([
                    "\(row.row)", row.application ?? "", row.slot ?? "", row.file ?? "", result, row.upload ?? "",
                    row.job ?? "", row.findings.map(\.code.rawValue).joined(separator: " / "),
                    row.findings.map(\.message.ja).joined(separator: " / "),
                    row.findings.map(\.message.en).joined(separator: " / "),
                ]))
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func text(_ value: DetailValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. A field that starts
    /// with `=`, `+`, `-` or `@` gets a leading `'`, so that Excel shows it instead of running it as a formula.
    private static func line(_ fields: [String]) -> String {
        fields.map { field in
            var field = field
            if let first = field.first, "=+-@".contains(first) { field = "'" + field }
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
