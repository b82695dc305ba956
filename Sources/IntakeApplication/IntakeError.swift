import IntakeCore

/// Why an operation of `IntakeService` could not be done: a stable code each face maps to its own answer (an exit
/// status and one line on stderr; an HTTP status and problem+json). Refusals that are the rules' verdicts carry
/// the finding that explains them; nothing here names an uploader or a file's content.
public struct IntakeError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }
        /// The configuration cannot be read or used.
        public static let configuration = Code(name: "configuration")
        /// No such application, upload, job or case.
        public static let notFound = Code(name: "not_found")
        /// The request itself is wrong (a manifest that is not one, an option out of range).
        public static let invalidRequest = Code(name: "invalid_request")
        /// A file to read is missing, a folder, or unreadable.
        public static let fileUnreadable = Code(name: "file_unreadable")
        /// The rules refused the request; `finding` says why and what to do.
        public static let refused = Code(name: "refused")
        /// The store or the blob store failed; worth retrying.
        public static let storage = Code(name: "storage")
        /// The bytes are not what the sender said they were (their SHA-256 differs).
        public static let digestMismatch = Code(name: "digest_mismatch")
        /// An idempotency key came back with another request than the one it was first used for.
        public static let idempotencyKeyReused = Code(name: "idempotency_key_reused")
        /// A webhook's URL is not one `webhooks.allowed_hosts` lets deliveries go to.
        public static let webhookURLNotAllowed = Code(name: "webhook_url_not_allowed")
        /// The inspector could not run at all.
        public static let inspectorUnavailable = Code(name: "inspector_unavailable")
    }
    public var code: Code
    public var message: String
    public var finding: Finding?
    public var description: String { message }

    public init(_ code: Code, _ message: String, finding: Finding? = nil) {
        self.code = code
        self.message = message
        self.finding = finding
    }

    /// A refusal by the rules, explained by its finding (in English on one line).
    public static func refused(_ finding: Finding) -> IntakeError {
        IntakeError(.refused, "\(finding.code): \(finding.message.en)", finding: finding)
    }
}
