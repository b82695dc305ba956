/// Which part of an application a file was uploaded for.
public enum Slot: String, Sendable, Codable, Hashable, CaseIterable {
    /// The face photo, checked against the photo specification.
    case photo
    /// Evidence submitted with the application.
    case attachment
    /// Evidence added to a case under review (追加資料).
    case additional
}

/// What inspection measured about one file. Facts carry no judgement: the rules turn them into findings.
public struct FileFacts: Hashable, Sendable, Codable {
    /// The type libmagic read from the content, never from the name.
    public var mime: String
    public var bytes: Int64
    public var sha256: String
    /// Present when the content is a PDF and the parser was reached.
    public var pdf: PDFFacts?
    /// Present when the file was measured as a face photo (photo slot, JPEG or PNG).
    public var photo: PhotoFacts?
    /// Set when inspection itself did not finish: the parser crashed, ran out of time or memory.
    public var inspectionFailure: InspectionFailure?

    public init(
        mime: String, bytes: Int64, sha256: String, pdf: PDFFacts? = nil, photo: PhotoFacts? = nil,
        inspectionFailure: InspectionFailure? = nil
    ) {
        self.mime = mime
        self.bytes = bytes
        self.sha256 = sha256
        self.pdf = pdf
        self.photo = photo
        self.inspectionFailure = inspectionFailure
    }

    enum CodingKeys: String, CodingKey {
        case mime, bytes, sha256, pdf, photo
        case inspectionFailure = "inspection_failure"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mime, forKey: .mime)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(pdf, forKey: .pdf)
        try container.encode(photo, forKey: .photo)
        try container.encodeIfPresent(inspectionFailure, forKey: .inspectionFailure)
    }
}

/// Why inspection of a file did not complete. Each becomes a finding, never a crash of the worker.
public struct InspectionFailure: Hashable, Sendable, Codable {
    public enum Reason: String, Sendable, Codable, Hashable {
        /// The parser ran past the deadline and was killed.
        case timeout
        /// The parser exceeded the memory ceiling.
        case memory
        /// The parser process died (signal) or answered garbage.
        case crashed
        /// The file could not be read.
        case unreadable
        /// The inspector itself could not run (spawn or setup failed): not the file's fault. The worker retries
        /// and never records this as a verdict.
        case unavailable
    }
    public var reason: Reason
    public var message: String

    public init(reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }
}

/// The eight permission bits of a PDF's Standard security handler, as a reader applies them.
public struct PDFPermissions: Hashable, Sendable, Codable {
    public var print: Bool
    public var printHighRes: Bool
    public var copy: Bool
    public var modify: Bool
    public var annotate: Bool
    public var fillForms: Bool
    public var extractAccessibility: Bool
    public var assemble: Bool

    public static let all = PDFPermissions(
        print: true, printHighRes: true, copy: true, modify: true, annotate: true, fillForms: true,
        extractAccessibility: true, assemble: true)

    public init(
        print: Bool, printHighRes: Bool, copy: Bool, modify: Bool, annotate: Bool, fillForms: Bool,
        extractAccessibility: Bool, assemble: Bool
    ) {
        self.print = print
        self.printHighRes = printHighRes
        self.copy = copy
        self.modify = modify
        self.annotate = annotate
        self.fillForms = fillForms
        self.extractAccessibility = extractAccessibility
        self.assemble = assemble
    }

    enum CodingKeys: String, CodingKey {
        case print, copy, modify, annotate, assemble
        case printHighRes = "print_high_res"
        case fillForms = "fill_forms"
        case extractAccessibility = "extract_accessibility"
    }
}

/// Where a piece of active content (script, launch action, embedded file) was found.
public struct ActiveContentHit: Hashable, Sendable, Codable {
    /// The PDF name that marks it, without the slash: `JS`, `JavaScript`, `Launch`, `EmbeddedFiles`…
    public var key: String
    /// The object number holding it (0 when it sits in the trailer or a direct object).
    public var object: Int
    public init(key: String, object: Int) {
        self.key = key
        self.object = object
    }
}

/// A top-level bookmark: its title and the 1-based page it opens (nil when it leads elsewhere).
public struct OutlineEntry: Hashable, Sendable, Codable {
    public var title: String
    public var page: Int?
    public init(title: String, page: Int?) {
        self.title = title
        self.page = page
    }
}

/// Facts about a PDF, from poppler-glib and from Intake's own reading of the file's syntax.
public struct PDFFacts: Hashable, Sendable, Codable {
    public var version: String?
    public var pages: Int?
    public var encrypted: Bool
    /// The `/Encrypt /Filter` name, e.g. `Standard`, `Adobe.APS`, `FOPN_foweb`; nil when not encrypted.
    public var securityHandler: String?
    /// The Standard security handler's revision (`/R`, 2–6).
    public var revision: Int?
    public var needsPassword: Bool
    public var permissions: PDFPermissions
    public var javascript: Bool
    public var embeddedFiles: Bool
    public var outlineEntries: Int
    /// The top-level bookmarks, in outline order: where the documents of a bundle start.
    public var outline: [OutlineEntry]
    /// For a bundle: 1-based pages that are separator sheets (text matching the pattern, or blank when blank
    /// pages separate); nil when not looked for.
    public var separatorPages: [Int]?
    public var activeContent: [ActiveContentHit]
    /// Whether the active-content scan saw every object (object streams of an encrypted file cannot be read).
    public var activeContentScanComplete: Bool
    /// The parser's own words when it could not open the file.
    public var parseError: String?

    public init(
        version: String? = nil, pages: Int? = nil, encrypted: Bool = false, securityHandler: String? = nil,
        revision: Int? = nil, needsPassword: Bool = false, permissions: PDFPermissions = .all,
        javascript: Bool = false, embeddedFiles: Bool = false, outlineEntries: Int = 0, outline: [OutlineEntry] = [],
        activeContent: [ActiveContentHit] = [], activeContentScanComplete: Bool = true, parseError: String? = nil
    ) {
        self.version = version
        self.pages = pages
        self.encrypted = encrypted
        self.securityHandler = securityHandler
        self.revision = revision
        self.needsPassword = needsPassword
        self.permissions = permissions
        self.javascript = javascript
        self.embeddedFiles = embeddedFiles
        self.outlineEntries = outlineEntries
        self.outline = outline
        self.activeContent = activeContent
        self.activeContentScanComplete = activeContentScanComplete
        self.parseError = parseError
    }

    enum CodingKeys: String, CodingKey {
        case version, pages, encrypted, revision, permissions, javascript, outline
        case separatorPages = "separator_pages"
        case securityHandler = "security_handler"
        case needsPassword = "needs_password"
        case embeddedFiles = "embedded_files"
        case outlineEntries = "outline_entries"
        case activeContent = "active_content"
        case activeContentScanComplete = "active_content_scan_complete"
        case parseError = "parse_error"
    }

    /// Every key, `null` where unknown, as SPEC §3 shows them: a reader can tell "no handler" from "not reported".
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(pages, forKey: .pages)
        try container.encode(encrypted, forKey: .encrypted)
        try container.encode(securityHandler, forKey: .securityHandler)
        try container.encode(revision, forKey: .revision)
        try container.encode(needsPassword, forKey: .needsPassword)
        try container.encode(permissions, forKey: .permissions)
        try container.encode(javascript, forKey: .javascript)
        try container.encode(embeddedFiles, forKey: .embeddedFiles)
        try container.encode(outlineEntries, forKey: .outlineEntries)
        try container.encode(outline, forKey: .outline)
        try container.encodeIfPresent(separatorPages, forKey: .separatorPages)
        try container.encode(activeContent, forKey: .activeContent)
        try container.encode(activeContentScanComplete, forKey: .activeContentScanComplete)
        try container.encode(parseError, forKey: .parseError)
    }
}
