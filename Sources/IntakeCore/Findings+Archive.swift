/// The findings of a bulk archive (SPEC §9). Each names the CSV row (its line number, the header being line 1)
/// and the file, so the person who made the archive can find and fix the one that is wrong.
extension FindingCode {
    public static let archiveMalformed = FindingCode(rawValue: "archive.malformed")
    public static let archiveCSVMissing = FindingCode(rawValue: "archive.csv_missing")
    public static let archiveCSVInvalid = FindingCode(rawValue: "archive.csv_invalid")
    public static let archiveEntryMissing = FindingCode(rawValue: "archive.entry_missing")
    public static let archiveEntryUnlisted = FindingCode(rawValue: "archive.entry_unlisted")
    public static let archiveEntryUnsafe = FindingCode(rawValue: "archive.entry_unsafe")
    public static let archiveEntryEncrypted = FindingCode(rawValue: "archive.entry_encrypted")
    public static let archiveNested = FindingCode(rawValue: "archive.nested")
    public static let archiveTooLarge = FindingCode(rawValue: "archive.too_large")
    public static let archiveTooManyEntries = FindingCode(rawValue: "archive.too_many_entries")
}

/// Why an entry is too large: which of the limits it met while it was being inflated.
public enum ArchiveSizeLimit: String, Sendable, Codable, Hashable {
    /// `archive.max_entry_expanded`.
    case entry
    /// `archive.max_ratio`.
    case ratio
    /// `archive.max_expanded`, the archive's entries together.
    case total
}

extension Finding {
    private static func where_(_ row: Int?, _ file: String?) -> (ja: String, en: String) {
        switch (row, file) {
        case (let row?, let file?): ("\(row) 行目: ファイル「\(file)」", "Row \(row): the file “\(file)”")
        case (nil, let file?): ("ファイル「\(file)」", "The file “\(file)”")
        case (let row?, nil): ("\(row) 行目", "Row \(row)")
        case (nil, nil): ("", "")
        }
    }

    private static func located(_ row: Int?, _ file: String?) -> [String: DetailValue] {
        var detail: [String: DetailValue] = [:]
        if let row { detail["row"] = .int(Int64(row)) }
        if let file { detail["file"] = .string(file) }
        return detail
    }

    /// The archive itself, or one entry of it (`file`), cannot be read as a ZIP.
    public static func archiveMalformed(_ reason: String, row: Int? = nil, file: String? = nil) -> Finding {
        let place = where_(row, file)
        var detail = located(row, file)
        detail["reason"] = .string(reason)
        if file == nil {
            return Finding(
                code: .archiveMalformed, severity: .error,
                message: LocalizedMessage(
                    ja: "アーカイブを ZIP として読めませんでした（\(reason)）。ZIP 形式で作"
                        + "り直して送ってください。",
                    en: "The archive could not be read as a ZIP (\(reason)). Make the ZIP again and send it."),
                detail: detail)
        }
        return Finding(
            code: .archiveMalformed, severity: .error,
            message: LocalizedMessage(
                ja: "\(place.ja)をアーカイブから読み出せませんでした（\(reason)）。そのファ"
                    + "イル"
                    + "を入れ直して ZIP を作り直してください。",
                en: "\(place.en) could not be read from the archive (\(reason)). Add the file again and remake the ZIP."
            ),
            detail: detail)
    }

    public static func archiveCSVMissing() -> Finding {
        Finding(
            code: .archiveCSVMissing, severity: .error,
            message: LocalizedMessage(
                ja: "アーカイブに applications.csv がありません。申請ごとの行を書いた "
                    + "applications.csv を ZIP の一番上に入れてください。",
                en: "The archive has no applications.csv. Put an applications.csv with one row per file at the top "
                    + "of the ZIP."))
    }

    /// `column` is the header name, or nil for a fault of the whole row (or of the header line).
    public static func archiveCSVInvalid(row: Int, column: String?, reason: LocalizedMessage) -> Finding {
        var detail: [String: DetailValue] = ["row": .int(Int64(row))]
        if let column { detail["column"] = .string(column) }
        let columnJa = column.map { "「\($0)」列: " } ?? ""
        let columnEn = column.map { "column “\($0)”: " } ?? ""
        return Finding(
            code: .archiveCSVInvalid, severity: .error,
            message: LocalizedMessage(
                ja: "applications.csv の \(row) 行目: \(columnJa)\(reason.ja)",
                en: "applications.csv, row \(row): \(columnEn)\(reason.en)"),
            detail: detail)
    }

    public static func archiveEntryMissing(row: Int, file: String) -> Finding {
        let place = where_(row, file)
        return Finding(
            code: .archiveEntryMissing, severity: .error,
            message: LocalizedMessage(
                ja: "\(place.ja)がアーカイブにありません。CSV のファイル名とアーカイブ内の"
                    + "名前を一致させてください。",
                en: "\(place.en) is not in the archive. Make the file name in the CSV match the name in the archive."),
            detail: located(row, file))
    }

    public static func archiveEntryUnlisted(file: String) -> Finding {
        Finding(
            code: .archiveEntryUnlisted, severity: .warning,
            message: LocalizedMessage(
                ja: "ファイル「\(file)」はどの行にも書かれていないため、受け付けていま"
                    + "せん。"
                    + "必要なら applications.csv に行を足してください。",
                en: "The file “\(file)” is named by no row, so it was not taken. Add a row to applications.csv "
                    + "if it "
                    + "is needed."),
            detail: ["file": .string(file)])
    }

    public static func archiveEntryUnsafe(_ reason: LocalizedMessage, row: Int? = nil, file: String) -> Finding {
        let place = where_(row, file)
        return Finding(
            code: .archiveEntryUnsafe, severity: .error,
            message: LocalizedMessage(
                ja: "\(place.ja)は受け付けられません: \(reason.ja)。フォルダーの中の普通のフ"
                    + "ァイ"
                    + "ルとして入れ直してください。",
                en: "\(place.en) cannot be taken: \(reason.en). Add it again as a plain file inside the archive's "
                    + "folders."),
            detail: located(row, file))
    }

    public static func archiveEntryEncrypted(row: Int?, file: String) -> Finding {
        let place = where_(row, file)
        return Finding(
            code: .archiveEntryEncrypted, severity: .error,
            message: LocalizedMessage(
                ja: "\(place.ja)はパスワードで暗号化されています。パスワードを付けずに ZIP "
                    + "を作り直してください。",
                en: "\(place.en) is encrypted with a password. Make the ZIP again without a password."),
            detail: located(row, file))
    }

    public static func archiveNested(row: Int?, file: String) -> Finding {
        let place = where_(row, file)
        return Finding(
            code: .archiveNested, severity: .error,
            message: LocalizedMessage(
                ja: "\(place.ja)はアーカイブの中のアーカイブです。中のファイルを取り出し"
                    + "、1 "
                    + "つの ZIP に直接入れてください。",
                en: "\(place.en) is an archive inside the archive. Take its files out and put them in the one ZIP "
                    + "directly."),
            detail: located(row, file))
    }

    public static func archiveTooLarge(
        row: Int?, file: String, limit: ArchiveSizeLimit, bound: Int64, compressedBytes: Int64
    ) -> Finding {
        let place = where_(row, file)
        var detail = located(row, file)
        detail["limit"] = .string(limit.rawValue)
        detail["bound"] = .int(bound)
        detail["compressed_bytes"] = .int(compressedBytes)
        let (ja, en): (String, String)
        switch limit {
        case .entry:
            (ja, en) = (
                "展開すると 1 ファイルの上限 \(ByteSize(bytes: bound)) を超えます",
                "it expands past the \(ByteSize(bytes: bound)) one file may take"
            )
        case .ratio:
            (ja, en) = (
                "圧縮率が \(bound) 倍を超えており、圧縮爆弾の疑いがあります",
                "it expands more than \(bound) times its compressed size, as a zip bomb does"
            )
        case .total:
            (ja, en) = (
                "アーカイブ全体の展開後の上限 \(ByteSize(bytes: bound)) に達したため、ここか"
                    + "ら先は"
                    + "受け付けていません",
                "the archive's files together reached the \(ByteSize(bytes: bound)) they may expand to, so the rest "
                    + "were not taken"
            )
        }
        return Finding(
            code: .archiveTooLarge, severity: .error,
            message: LocalizedMessage(
                ja: "\(place.ja)は大きすぎます: \(ja)。ファイルを分けて、別の ZIP で送ってくだ"
                    + "さい。",
                en: "\(place.en) is too large: \(en). Split the files over several ZIPs and send them separately."),
            detail: detail)
    }

    public static func archiveTooManyEntries(count: Int, limit: Int) -> Finding {
        Finding(
            code: .archiveTooManyEntries, severity: .error,
            message: LocalizedMessage(
                ja: "アーカイブに \(count) 個のファイルがあり、上限の \(limit) 個を超えてい"
                    + "ます。"
                    + "\(limit) 個以下に分けて送ってください。",
                en: "The archive holds \(count) files, more than the \(limit) one archive may hold. Split it into "
                    + "archives of at most \(limit) files."),
            detail: ["count": .int(Int64(count)), "limit": .int(Int64(limit))])
    }
}
