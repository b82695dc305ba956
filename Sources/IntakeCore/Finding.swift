/// The stable identifier of a finding. Codes are never renamed; new ones may be added.
public struct FindingCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let fileEmpty = FindingCode(rawValue: "file.empty")
    public static let fileUnreadable = FindingCode(rawValue: "file.unreadable")
    public static let fileTypeNotAllowed = FindingCode(rawValue: "file.type_not_allowed")
    public static let fileNameMismatch = FindingCode(rawValue: "file.name_mismatch")
    public static let sizeFileOverLimit = FindingCode(rawValue: "size.file_over_limit")
    public static let sizeApplicationOverLimit = FindingCode(rawValue: "size.application_over_limit")
    public static let sizeTooManyFiles = FindingCode(rawValue: "size.too_many_files")
    public static let pdfMalformed = FindingCode(rawValue: "pdf.malformed")
    public static let pdfPasswordRequired = FindingCode(rawValue: "pdf.password_required")
    public static let pdfPrintRestricted = FindingCode(rawValue: "pdf.print_restricted")
    public static let pdfCopyRestricted = FindingCode(rawValue: "pdf.copy_restricted")
    public static let pdfDRM = FindingCode(rawValue: "pdf.drm")
    public static let pdfPermissionsPassword = FindingCode(rawValue: "pdf.permissions_password")
    public static let pdfNoPages = FindingCode(rawValue: "pdf.no_pages")
    public static let pdfTooManyPages = FindingCode(rawValue: "pdf.too_many_pages")
    public static let pdfActiveContent = FindingCode(rawValue: "pdf.active_content")
    public static let photoTypeNotAllowed = FindingCode(rawValue: "photo.type_not_allowed")
    public static let photoMalformed = FindingCode(rawValue: "photo.malformed")
    public static let photoFileTooLarge = FindingCode(rawValue: "photo.file_too_large")
    public static let photoTooManyPixels = FindingCode(rawValue: "photo.too_many_pixels")
    public static let photoTooSmall = FindingCode(rawValue: "photo.too_small")
    public static let photoAspectRatio = FindingCode(rawValue: "photo.aspect_ratio")
    public static let photoTooOld = FindingCode(rawValue: "photo.too_old")
    public static let photoGrayscale = FindingCode(rawValue: "photo.grayscale")
    public static let photoNoFace = FindingCode(rawValue: "photo.no_face")
    public static let photoMultipleFaces = FindingCode(rawValue: "photo.multiple_faces")
    public static let photoFaceTooSmall = FindingCode(rawValue: "photo.face_too_small")
    public static let photoFaceTooLarge = FindingCode(rawValue: "photo.face_too_large")
    public static let photoTopMargin = FindingCode(rawValue: "photo.top_margin")
    public static let photoFaceOffCenter = FindingCode(rawValue: "photo.face_off_center")
    public static let photoHeadTilted = FindingCode(rawValue: "photo.head_tilted")
    public static let photoEyeLine = FindingCode(rawValue: "photo.eye_line")
    public static let photoFaceResolutionLow = FindingCode(rawValue: "photo.face_resolution_low")
    public static let photoBackgroundNotPlain = FindingCode(rawValue: "photo.background_not_plain")
    public static let photoBlurry = FindingCode(rawValue: "photo.blurry")
    public static let photoTooDark = FindingCode(rawValue: "photo.too_dark")
    public static let photoOverexposed = FindingCode(rawValue: "photo.overexposed")
    public static let photoEdited = FindingCode(rawValue: "photo.edited")
    public static let photoNotFrontal = FindingCode(rawValue: "photo.not_frontal")
    public static let photoEyesClosed = FindingCode(rawValue: "photo.eyes_closed")
}

/// Whether a finding rejects the file or only informs.
public enum Severity: String, Sendable, Codable, Hashable {
    case error
    case warning
}

/// A message in both languages the applicant may read.
public struct LocalizedMessage: Hashable, Sendable, Codable {
    public var ja: String
    public var en: String
    public init(ja: String, en: String) {
        self.ja = ja
        self.en = en
    }
}

/// One observation about an upload or item. Findings are data: inspection returns them, it never throws them.
public struct Finding: Hashable, Sendable, Codable {
    public var code: FindingCode
    public var severity: Severity
    public var message: LocalizedMessage
    /// The numbers behind the finding (measured value, limit), for operators and machines.
    public var detail: [String: DetailValue]

    public init(code: FindingCode, severity: Severity, message: LocalizedMessage, detail: [String: DetailValue] = [:]) {
        self.code = code
        self.severity = severity
        self.message = message
        self.detail = detail
    }
}

/// A JSON scalar or list carried in a finding's `detail`.
public enum DetailValue: Hashable, Sendable, Codable {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    case strings([String])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .strings(try container.decode([String].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

/// The outcome for one item: rejected when any finding is an error.
public enum Verdict: String, Sendable, Codable, Hashable {
    case accepted
    case rejected

    public init(findings: [Finding]) {
        self = findings.contains { $0.severity == .error } ? .rejected : .accepted
    }

    /// An upload's verdict from its items': rejected when any item is (a split bundle with one bad document).
    public init(items: [Verdict]) {
        self = items.contains(.rejected) ? .rejected : .accepted
    }
}
