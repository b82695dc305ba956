/// The finding for each rule, with the message the applicant reads in Japanese and English.
///
/// Every message says what was measured, what the rule allows, and what to do about it. Codes are stable;
/// wording may improve.
extension Finding {
    static func fileEmpty() -> Finding {
        Finding(
            code: .fileEmpty, severity: .error,
            message: LocalizedMessage(
                ja: "ファイルが空です（0 バイト）。内容のあるファイルを選び直して送って"
                    + "ください。",
                en: "The file is empty (0 bytes). Choose the file again, check that it opens, and upload it."),
            detail: ["bytes": .int(0)])
    }

    static func fileUnreadable(_ reason: String) -> Finding {
        Finding(
            code: .fileUnreadable, severity: .error,
            message: LocalizedMessage(
                ja: "受け付けたファイルを読み出せませんでした。お手数ですが、同じファ"
                    + "イルをもう一度送ってください。",
                en: "The uploaded file could not be read back from storage. Please upload the same file again."),
            detail: ["reason": .string(reason)])
    }

    static func typeNotAllowed(mime: String, allowed: [String], slot: Slot) -> Finding {
        let kind = MIMENames.describe(mime)
        return Finding(
            code: .fileTypeNotAllowed, severity: .error,
            message: LocalizedMessage(
                ja: "このファイルは PDF ではありません（内容から判定した形式: \(kind.ja)）。"
                    + "添付資料は PDF 形式で送ってください。"
                    + "紙の書類はスキャンして、Word などの文書は「PDF として保存」で PDF に"
                    + "してから送ってください。",
                en: "This file is not a PDF (its content is \(kind.en)). Attachments must be PDF files: scan paper "
                    + "documents, or use “Save as PDF” for Word and similar documents, then upload the PDF."),
            detail: ["detected": .string(mime), "allowed": .strings(allowed), "slot": .string(slot.rawValue)])
    }

    static func nameMismatch(fileExtension: String, mime: String) -> Finding {
        let kind = MIMENames.describe(mime)
        return Finding(
            code: .fileNameMismatch, severity: .warning,
            message: LocalizedMessage(
                ja: "ファイル名の拡張子「.\(fileExtension)」と実際の形式（\(kind.ja)）が一致し"
                    + "ません。内容に合った拡張子にしてください。",
                en:
                    "The file name ends in “.\(fileExtension)” but the content is \(kind.en). Give the file the extension "
                    + "that matches its content."),
            detail: ["extension": .string(fileExtension), "detected": .string(mime)])
    }

    static func fileOverLimit(bytes: Int64, limit: ByteSize) -> Finding {
        let size = ByteSize(bytes: bytes)
        let excess = ByteSize(bytes: bytes - limit.bytes)
        return Finding(
            code: .sizeFileOverLimit, severity: .error,
            message: LocalizedMessage(
                ja: "ファイルの大きさが \(size) で、1 ファイルの上限 \(limit) を \(excess) 超えて"
                    + "います。"
                    + "不要なページを除くか、200 dpi 程度の解像度でスキャンし直すか、書類"
                    + "ごとに分けて送ってください。",
                en:
                    "This file is \(size); one file may be at most \(limit) (\(excess) over). Remove pages that are not "
                    + "needed, rescan at about 200 dpi, or split it into one file per document."),
            detail: ["bytes": .int(bytes), "limit": .int(limit.bytes), "excess": .int(bytes - limit.bytes)])
    }

    static func applicationOverLimit(total: Int64, limit: ByteSize, fileBytes: Int64) -> Finding {
        let excess = ByteSize(bytes: total - limit.bytes)
        return Finding(
            code: .sizeApplicationOverLimit, severity: .error,
            message: LocalizedMessage(
                ja: "このファイル（\(ByteSize(bytes: fileBytes))）を加えると添付資料の合計が "
                    + "\(ByteSize(bytes: total)) になり、"
                    + "1 件の申請で送れる上限 \(limit)（顔写真を含む）を \(excess) 超えます。"
                    + "不要なページを除くか、残りは追加資料の提出を求められた際に送って"
                    + "ください。",
                en: "With this file (\(ByteSize(bytes: fileBytes))) the attachments come to \(ByteSize(bytes: total)); "
                    + "an application may hold \(limit) in all, the photo included (\(excess) over). Remove pages that "
                    + "are not needed, or send the rest as additional documents when asked."),
            detail: [
                "total": .int(total), "limit": .int(limit.bytes), "file": .int(fileBytes),
                "excess": .int(total - limit.bytes),
            ])
    }

    static func tooManyFiles(count: Int, limit: Int) -> Finding {
        Finding(
            code: .sizeTooManyFiles, severity: .error,
            message: LocalizedMessage(
                ja: "この申請には既に \(count - 1) 件の添付ファイルがあり、送れるのは \(limit)"
                    + " 件までです。"
                    + "資料を 1 つの PDF にまとめるか、追加資料の提出を求められた際に送っ"
                    + "てください。",
                en:
                    "This application already has \(count - 1) attachment file(s) and may have at most \(limit). Combine "
                    + "the documents into one PDF, or send the rest as additional documents when asked."),
            detail: ["count": .int(Int64(count)), "limit": .int(Int64(limit))])
    }

    static func pdfMalformed(_ reason: String, failure: InspectionFailure.Reason? = nil) -> Finding {
        let message: LocalizedMessage
        switch failure {
        case .timeout:
            message = LocalizedMessage(
                ja: "この PDF は読み取りに時間がかかりすぎたため、確認を中止しました（"
                    + "\(reason)）。"
                    + "ファイルが壊れている可能性があります。元の文書から PDF を作り直し"
                    + "て送ってください。",
                en: "Reading this PDF took too long and was stopped (\(reason)). The file may be damaged: create the "
                    + "PDF again from the original document and upload it.")
        case .memory:
            message = LocalizedMessage(
                ja: "この PDF は読み取りに必要なメモリーが上限を超えたため、確認を中止し"
                    + "ました（\(reason)）。"
                    + "元の文書から PDF を作り直すか、書類ごとに分けて送ってください。",
                en: "Reading this PDF needed more memory than allowed and was stopped (\(reason)). Create the PDF "
                    + "again from the original document, or split it into one file per document.")
        default:
            message = LocalizedMessage(
                ja: "この PDF は正しく読み取れません（\(reason)）。ファイルが壊れているか、"
                    + "標準の PDF（ISO 32000）ではありません。"
                    + "元の文書から PDF を作り直して送ってください。",
                en: "This PDF cannot be read (\(reason)). The file is damaged or is not a standard PDF (ISO 32000): "
                    + "create the PDF again from the original document and upload it.")
        }
        var detail: [String: DetailValue] = ["parser": .string(reason)]
        if let failure { detail["failure"] = .string(failure.rawValue) }
        return Finding(code: .pdfMalformed, severity: .error, message: message, detail: detail)
    }

    /// Whether the finding came from splitting a bundle (an invalid manifest, pages qpdf could not write) rather
    /// than from the rules: facts about what was sent, which reprocessing keeps, since no policy can undo them.
    public var isFromSplitting: Bool {
        code == .splitManifestInvalid || detail["stage"] == .string("split")
    }

    /// A bundle that passed inspection but could not be written out as separate documents.
    public static func unsplittable(_ reason: String) -> Finding {
        Finding(
            code: .pdfMalformed, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF は書類ごとに分けることができませんでした（\(reason)）。構造が"
                    + "壊れている可能性があります。"
                    + "元の文書から PDF を作り直すか、書類ごとに別のファイルで送ってくだ"
                    + "さい。",
                en: "This PDF could not be split into its documents (\(reason)); its structure may be damaged. Create "
                    + "the PDF again from the original, or send one file per document."),
            detail: ["parser": .string(reason), "stage": .string("split")])
    }

    static func passwordRequired(revision: Int?) -> Finding {
        Finding(
            code: .pdfPasswordRequired, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF は開くのにパスワードが必要です。パスワードを解除した PDF を"
                    + "保存し直して送ってください。",
                en: "This PDF needs a password to open. Save a copy without the password and upload that."),
            detail: ["revision": revision.map { .int(Int64($0)) } ?? .null])
    }

    static func printRestricted(_ permissions: PDFPermissions) -> Finding {
        let lowResolutionOnly = permissions.print && !permissions.printHighRes
        let what =
            lowResolutionOnly
            ? (
                ja: "低解像度での印刷しか許可されていません",
                en: "allows printing only at low resolution"
            )
            : (ja: "印刷が禁止されています", en: "does not allow printing")
        return Finding(
            code: .pdfPrintRestricted, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF は\(what.ja)。セキュリティ設定を解除する（印刷を許可する）か"
                    + "、制限のない PDF を作り直して送ってください。",
                en: "This PDF \(what.en). Remove its security settings (allow printing), or create an unrestricted "
                    + "PDF, and upload it again."),
            detail: ["print": .bool(permissions.print), "print_high_res": .bool(permissions.printHighRes)])
    }

    static func copyRestricted(_ permissions: PDFPermissions) -> Finding {
        Finding(
            code: .pdfCopyRestricted, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF は内容のコピーが禁止されています。セキュリティ設定を解除す"
                    + "る（コピーを許可する）か、"
                    + "制限のない PDF を作り直して送ってください。",
                en: "This PDF does not allow copying its text and images. Remove its security settings (allow "
                    + "copying), or create an unrestricted PDF, and upload it again."),
            detail: ["copy": .bool(permissions.copy), "extract_accessibility": .bool(permissions.extractAccessibility)])
    }

    static func drm(handler: String) -> Finding {
        Finding(
            code: .pdfDRM, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF は文書保護（DRM・ネットワーク認証・証明書による暗号化。セキ"
                    + "ュリティハンドラー「\(handler)」）が"
                    + "かかっており、審査で開くことができません。保護のない PDF を元の文"
                    + "書から作成して送ってください。",
                en: "This PDF is locked by rights management (security handler “\(handler)”: DRM, network "
                    + "authentication or certificate security), which reviewers cannot open. Export an unprotected "
                    + "PDF from the original document and upload it."),
            detail: ["security_handler": .string(handler)])
    }

    static func permissionsPassword(severity: Severity, revision: Int?, permissions: PDFPermissions) -> Finding {
        var restricted: [String] = []
        if !permissions.modify { restricted.append("modify") }
        if !permissions.annotate { restricted.append("annotate") }
        if !permissions.fillForms { restricted.append("fill_forms") }
        if !permissions.assemble { restricted.append("assemble") }
        if !permissions.extractAccessibility { restricted.append("extract_accessibility") }
        return Finding(
            code: .pdfPermissionsPassword, severity: severity,
            message: LocalizedMessage(
                ja: "この PDF には権限パスワード（所有者パスワード）が設定されています。"
                    + "開く・印刷・コピーはできますが、"
                    + "入管は PDF にパスワードを設定しないよう求めています。セキュリティ"
                    + "設定を解除して保存し直してください。",
                en: "This PDF carries a permissions (owner) password. It opens, prints and copies, but the agency asks "
                    + "for PDFs without any password setting: remove the security settings and save it again."),
            detail: ["revision": revision.map { .int(Int64($0)) } ?? .null, "restricted": .strings(restricted)])
    }

    static func noPages() -> Finding {
        Finding(
            code: .pdfNoPages, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF にはページがありません（0 ページ）。内容のある PDF を作り直"
                    + "して送ってください。",
                en: "This PDF has no pages. Create the PDF again with its content and upload it."),
            detail: ["pages": .int(0)])
    }

    static func tooManyPages(pages: Int, limit: Int) -> Finding {
        Finding(
            code: .pdfTooManyPages, severity: .error,
            message: LocalizedMessage(
                ja: "この PDF は \(pages) ページあり、1 ファイルの上限 \(limit) ページを "
                    + "\(pages - limit) ページ超えています。"
                    + "書類ごとに分けて送ってください。",
                en: "This PDF has \(pages) pages; one file may have at most \(limit) (\(pages - limit) over). Split it "
                    + "into one file per document."),
            detail: ["pages": .int(Int64(pages)), "limit": .int(Int64(limit))])
    }

    static func activeContent(severity: Severity, hits: [ActiveContentHit], scanComplete: Bool) -> Finding {
        let kinds = Set(hits.map { ActiveContentKind(key: $0.key) }).sorted { $0.rawValue < $1.rawValue }
        let jaList = kinds.map(\.japanese).joined(separator: "・")
        let enList = kinds.map(\.english).joined(separator: ", ")
        let places = hits.prefix(20).map {
            $0.object == 0 ? "/\($0.key) (trailer)" : "/\($0.key) in object \($0.object)"
        }
        return Finding(
            code: .pdfActiveContent, severity: severity,
            message: LocalizedMessage(
                ja: "この PDF には\(jaList)が含まれています。審査には不要なため、これらを含"
                    + "まない PDF"
                    + "（「PDF として印刷」など）で保存し直して送ってください。",
                en: "This PDF contains \(enList). Reviewers do not need these: save a copy without them (for example "
                    + "with “Print to PDF”) and upload that."),
            detail: [
                "found": .strings(kinds.map(\.rawValue)), "where": .strings(places),
                "scan_complete": .bool(scanComplete),
            ])
    }
}

/// Groups the PDF names that mark active content into what an applicant would recognise.
enum ActiveContentKind: String, Hashable, Comparable {
    case javascript
    case launch
    case embeddedFile = "embedded_file"
    case additionalActions = "additional_actions"
    case richMedia = "rich_media"

    init(key: String) {
        switch key {
        case "JS", "JavaScript": self = .javascript
        case "Launch": self = .launch
        case "EmbeddedFiles", "AF", "EmbeddedFile": self = .embeddedFile
        case "RichMedia": self = .richMedia
        default: self = .additionalActions
        }
    }

    var japanese: String {
        switch self {
        case .javascript: "JavaScript（スクリプト）"
        case .launch: "外部プログラムを起動する動作"
        case .embeddedFile: "添付（埋め込み）ファイル"
        case .additionalActions: "自動実行される動作"
        case .richMedia: "動画・音声などのリッチメディア"
        }
    }

    var english: String {
        switch self {
        case .javascript: "JavaScript"
        case .launch: "an action that launches a program"
        case .embeddedFile: "embedded files"
        case .additionalActions: "actions that run automatically"
        case .richMedia: "rich media (video or sound)"
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Human names for the types libmagic reports, for messages.
enum MIMENames {
    static func describe(_ mime: String) -> (ja: String, en: String) {
        switch mime {
        case "application/pdf": ("PDF", "PDF")
        case "image/jpeg": ("JPEG 画像", "a JPEG image")
        case "image/png": ("PNG 画像", "a PNG image")
        case "image/heic", "image/heif": ("HEIC 画像", "a HEIC image")
        case "image/gif": ("GIF 画像", "a GIF image")
        case "text/plain": ("テキスト", "plain text")
        case "text/html": ("HTML", "an HTML page")
        case "application/zip": ("ZIP 圧縮ファイル", "a ZIP archive")
        case "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
            ("Word 文書", "a Word document")
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel":
            ("Excel ファイル", "an Excel workbook")
        default: (mime, mime)
        }
    }
}
