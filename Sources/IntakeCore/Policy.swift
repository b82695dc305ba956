/// The rules in force. Everything that changes a verdict lives here, and only that: the policy version is a hash
/// of this value, so a verdict always names the rules that produced it, and operational settings
/// (leases, concurrency) can change without looking like a rule change.
public struct Policy: Sendable, Hashable {
    /// Largest single upload (`limits.file`).
    public var fileLimit: ByteSize
    /// All accepted uploads of one application together, face photo included (`limits.application_total`).
    public var applicationTotalLimit: ByteSize
    /// Additional documents sent for one request of a reviewer (`limits.additional_total`).
    public var additionalTotalLimit: ByteSize
    /// Most pages in one PDF (`limits.pages`).
    public var pageLimit: Int
    /// Most attachment files per application; nil for no limit (`limits.attachments`, `0` = none).
    public var attachmentCountLimit: Int?
    /// MIME types accepted in the attachment slot (`attachment.types`).
    public var attachmentTypes: [String]
    /// Severity of scripts, launch actions and embedded files (`pdf.active_content`).
    public var activeContentSeverity: Severity
    /// Severity of an owner password that restricts nothing (`pdf.permissions_password`).
    public var permissionsPasswordSeverity: Severity
    /// What separates a bundle's documents when it has neither manifest nor bookmarks.
    public var separators: SeparatorRule
    /// The face-photo specification (`photo.*`).
    public var photo: PhotoSpecification

    public init(
        fileLimit: ByteSize, applicationTotalLimit: ByteSize, additionalTotalLimit: ByteSize, pageLimit: Int,
        attachmentCountLimit: Int?, attachmentTypes: [String], activeContentSeverity: Severity,
        permissionsPasswordSeverity: Severity,
        separators: SeparatorRule = SeparatorRule(pattern: nil, blankPagesSeparate: false),
        photo: PhotoSpecification = .residenceCard
    ) {
        self.separators = separators
        self.photo = photo
        self.fileLimit = fileLimit
        self.applicationTotalLimit = applicationTotalLimit
        self.additionalTotalLimit = additionalTotalLimit
        self.pageLimit = pageLimit
        self.attachmentCountLimit = attachmentCountLimit
        self.attachmentTypes = attachmentTypes
        self.activeContentSeverity = activeContentSeverity
        self.permissionsPasswordSeverity = permissionsPasswordSeverity
    }

    public init(configuration: Configuration) throws(ConfigurationError) {
        let attachments = try configuration.integer("limits.attachments", atLeast: 0)
        self.init(
            fileLimit: try configuration.byteSize("limits.file"),
            applicationTotalLimit: try configuration.byteSize("limits.application_total"),
            additionalTotalLimit: try configuration.byteSize("limits.additional_total"),
            pageLimit: try configuration.integer("limits.pages", atLeast: 1),
            attachmentCountLimit: attachments == 0 ? nil : attachments,
            attachmentTypes: try configuration.list("attachment.types"),
            activeContentSeverity: try configuration.severity("pdf.active_content"),
            permissionsPasswordSeverity: try configuration.severity("pdf.permissions_password"),
            separators: SeparatorRule(
                pattern: configuration.values["split.separator_pattern"].flatMap { $0.isEmpty ? nil : $0 },
                blankPagesSeparate: try configuration.boolean("split.blank_pages_separate")),
            photo: try PhotoSpecification(configuration: configuration))
    }

    /// The policy in a canonical text form, one `key=value` per line in key order: what the version hashes.
    public var canonicalText: String {
        let lines = [
            "attachment.types=\(attachmentTypes.joined(separator: ","))",
            "limits.additional_total=\(additionalTotalLimit.bytes)",
            "limits.application_total=\(applicationTotalLimit.bytes)",
            "limits.attachments=\(attachmentCountLimit ?? 0)",
            "limits.file=\(fileLimit.bytes)",
            "limits.pages=\(pageLimit)",
            "pdf.active_content=\(activeContentSeverity.rawValue)",
            "pdf.permissions_password=\(permissionsPasswordSeverity.rawValue)",
            "split.blank_pages_separate=\(separators.blankPagesSeparate)",
            "split.separator_pattern=\(separators.pattern ?? "")",
        ]
        return (lines + photo.canonicalLines).sorted().joined(separator: "\n")
    }

    /// The content hash of the effective policy (first 16 hex digits of SHA-256 of `canonicalText`).
    public var version: String {
        String(SHA256.hex(of: Array(canonicalText.utf8)).prefix(16))
    }
}
