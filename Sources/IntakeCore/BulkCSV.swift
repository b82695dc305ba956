/// One row of a bulk archive's `applications.csv` (SPEC §9): an upload to make.
public struct BulkRow: Sendable, Hashable, Codable {
    /// The row's line number in the file, the header being 1: what the report and the findings name.
    public var row: Int
    public var applicationId: String
    public var slot: BulkSlot
    /// The entry's name inside the archive, `/`-separated.
    public var file: String
    public var title: String?
    public var documentType: String?
    public var receipt: String?

    public init(
        row: Int, applicationId: String, slot: BulkSlot, file: String, title: String? = nil,
        documentType: String? = nil, receipt: String? = nil
    ) {
        self.row = row
        self.applicationId = applicationId
        self.slot = slot
        self.file = file
        self.title = title
        self.documentType = documentType
        self.receipt = receipt
    }
}

/// What a row's `slot` column may say.
public enum BulkSlot: String, Sendable, Hashable, Codable, CaseIterable {
    case photo, attachment, bundle
}

/// `applications.csv` read into rows, or the first fault that makes it unreadable (RFC 4180: commas, quoted fields
/// with `""` for a quote, CRLF or LF). Pure: decoding the bytes is the archive reader's work.
///
/// A row whose fields are wrong is refused alone, so the other rows go on; a header that is wrong refuses them
/// all, since no row can be read without it.
public enum BulkCSV {
    public static let requiredColumns = ["application_id", "slot", "file"]
    public static let optionalColumns = ["title", "document_type", "receipt"]

    public struct Parsed: Sendable, Hashable {
        public var rows: [BulkRow]
        /// Rows that could not be read, each with its finding.
        public var refused: [RefusedRow]
    }

    public struct RefusedRow: Sendable, Hashable, Codable {
        public var row: Int
        public var file: String?
        public var finding: Finding

        public init(row: Int, file: String?, finding: Finding) {
            self.row = row
            self.file = file
            self.finding = finding
        }
    }

    public enum Outcome: Sendable, Hashable {
        case parsed(Parsed)
        /// The header is not one: no row can be read.
        case refused(Finding)
    }

    /// The rows of `text`, or the finding that refuses the whole file (a header that is not one).
    public static func parse(_ text: String) -> Outcome {
        let records = split(text)
        guard let (headerLine, header) = records.first(where: { !$0.fields.allSatisfy(\.isEmpty) }) else {
            return .refused(Finding.archiveCSVInvalid(row: 1, column: nil, reason: Reasons.empty))
        }
        let names = header.map { $0.trimmingWhitespace().lowercased() }
        for name in names where !(requiredColumns + optionalColumns).contains(name) {
            return .refused(.archiveCSVInvalid(row: headerLine, column: name, reason: Reasons.unknownColumn))
        }
        for name in requiredColumns where !names.contains(name) {
            return .refused(.archiveCSVInvalid(row: headerLine, column: name, reason: Reasons.missingColumn))
        }
        if Set(names).count != names.count {
            return .refused(Finding.archiveCSVInvalid(row: headerLine, column: nil, reason: Reasons.repeatedColumn))
        }
        var parsed = Parsed(rows: [], refused: [])
        for (line, fields) in records.drop(while: { $0.line != headerLine }).dropFirst() {
            if fields.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            var values: [String: String] = [:]
            for (name, value) in zip(names, fields) {
                let trimmed = value.trimmingWhitespace()
                if !trimmed.isEmpty { values[name] = trimmed }
            }
            guard fields.count == names.count else {
                let reason = Reasons.fieldCount(fields.count, names.count)
                parsed.refused.append(
                    RefusedRow(
                        row: line, file: values["file"],
                        finding: .archiveCSVInvalid(row: line, column: nil, reason: reason)))
                continue
            }
            if let missing = requiredColumns.first(where: { values[$0] == nil }) {
                parsed.refused.append(
                    RefusedRow(
                        row: line, file: values["file"],
                        finding: .archiveCSVInvalid(row: line, column: missing, reason: Reasons.emptyField)))
                continue
            }
            guard let slot = BulkSlot(rawValue: values["slot"]!.lowercased()) else {
                parsed.refused.append(
                    RefusedRow(
                        row: line, file: values["file"],
                        finding: .archiveCSVInvalid(row: line, column: "slot", reason: Reasons.slot)))
                continue
            }
            parsed.rows.append(
                BulkRow(
                    row: line, applicationId: values["application_id"]!, slot: slot, file: values["file"]!,
                    title: values["title"], documentType: values["document_type"], receipt: values["receipt"]))
        }
        return .parsed(parsed)
    }

    /// Records with the line each starts on; a quoted field may span lines.
    static func split(_ text: String) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var start = 1
        var characters = text.makeIterator()
        var pending: Character? = characters.next()
        func endRecord() {
            fields.append(field)
            records.append((start, fields))
            fields = []
            field = ""
        }
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if character.isNewline { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                fields.append(field)
                field = ""
            // `\r\n` is one Character in Swift; a lone `\r` or `\n` ends a record too.
            case "\r\n", "\n", "\r":
                endRecord()
                line += 1
                start = line
            default: field.append(character)
            }
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }

    /// The reasons a CSV is refused, in both languages.
    enum Reasons {
        static let empty = LocalizedMessage(
            ja: "CSV が空です。1 行目に application_id,slot,file の見出しを書いてください。",
            en: "the CSV is empty. Start it with the header application_id,slot,file.")
        static let unknownColumn = LocalizedMessage(
            ja: "知らない列名です。使える列は application_id・slot・file・title・document_type・"
                + "receipt です。",
            en: "this column is not known. The columns are application_id, slot, file, title, document_type and "
                + "receipt.")
        static let missingColumn = LocalizedMessage(
            ja: "この列がありません。見出し行に application_id・slot・file の列を入れてくだ"
                + "さい。",
            en: "this column is missing. The header must have the columns application_id, slot and file.")
        static let repeatedColumn = LocalizedMessage(
            ja: "同じ列名が 2 回あります。見出しの列名は 1 回ずつにしてください。",
            en: "a column is named twice. Name each column once in the header.")
        static let emptyField = LocalizedMessage(
            ja: "値が空です。この列には必ず値を書いてください。",
            en: "the value is empty. This column must have a value.")
        static let slot = LocalizedMessage(
            ja: "slot は photo・attachment・bundle のいずれかにしてください。",
            en: "slot must be photo, attachment or bundle.")
        static func fieldCount(_ count: Int, _ expected: Int) -> LocalizedMessage {
            LocalizedMessage(
                ja: "値が \(count) 個あり、見出しの \(expected) 列と合いません。カンマの数を"
                    + "確かめ、"
                    + "カンマを含む値は \" で囲んでください。",
                en: "it has \(count) values for the header's \(expected) columns. Check the commas, and put values "
                    + "that contain a comma in double quotes.")
        }
        static let undecodable = LocalizedMessage(
            ja: "文字コードが UTF-8 でも Shift_JIS（CP932）でもありません。Excel で「CSV UTF-8」"
                + "として保存し直してください。",
            en: "the text is neither UTF-8 nor Shift_JIS (CP932). Save the file again from Excel as “CSV UTF-8”.")
    }

    /// The refusal of a file whose bytes are neither UTF-8 nor CP932, naming the first row that is neither.
    public static func undecodable(row: Int) -> Finding {
        .archiveCSVInvalid(row: row, column: nil, reason: Reasons.undecodable)
    }
}
