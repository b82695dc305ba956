/// Whether an upload of a declared size can be taken at all, judged before a byte of it is read: a body over the
/// slot's per-file limit, or over what remains of the application's allowance (accepted bytes only), is refused at
/// the door with the finding it would have had after inspection. Pure.
public struct AdmissionRules: Sendable {
    public var policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// The finding that refuses `declaredBytes` for `slot`, given what the application holds; nil to take it.
    public func refusal(declaredBytes bytes: Int64, slot: Slot, usage: ApplicationUsage) -> Finding? {
        if bytes > policy.fileLimit.bytes { return .fileOverLimit(bytes: bytes, limit: policy.fileLimit) }
        if slot == .photo, bytes > policy.photo.maxFileSize.bytes {
            return .photoFileTooLarge(bytes: bytes, limit: policy.photo.maxFileSize)
        }
        return AttachmentRules(policy: policy).applicationFindings(bytes: bytes, slot: slot, usage: usage)
            .first { $0.code != .sizeTooManyFiles }
    }
}

/// What a token lets its holder do (SPEC §7). Each scope includes the ones before it.
public enum TokenScope: String, Sendable, Codable, Hashable, CaseIterable, Comparable {
    /// The uploader's own applications and the cases granted to it.
    case upload
    /// Also case states, and every application.
    case review
    /// Everything, plus reprocessing, trials, dead jobs and webhooks.
    case admin

    public func includes(_ other: TokenScope) -> Bool { other <= self }

    public static func < (lhs: TokenScope, rhs: TokenScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Who asks: the operator at the command line of the machine that holds the data, or the holder of an API token.
public enum Caller: Sendable, Hashable {
    case `operator`
    case token(uploader: String, scope: TokenScope)

    /// Whether the caller may see a case: its owner and agents; reviewers, admins and the operator see all. A
    /// case the caller may not see answers as if it did not exist, so ids reveal nothing.
    public func maySee(_ snapshot: CaseSnapshot) -> Bool {
        switch self {
        case .operator: true
        case .token(let uploader, let scope): scope.includes(.review) || snapshot.mayAdd(uploader)
        }
    }

    public func has(_ scope: TokenScope) -> Bool {
        switch self {
        case .operator: true
        case .token(_, let granted): granted.includes(scope)
        }
    }
}
