/// The states a case (an application after submission) moves through.
public enum CaseState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Submitted; the applicant's side may still add documents unasked.
    case underReview = "under_review"
    /// A reviewer asked for more evidence (資料提出通知, 「追完待ち」): a new additional-document allowance opens.
    case awaitingAdditional = "awaiting_additional"
    /// Decided: no more documents.
    case closed

    /// Whether additional documents are taken in this state.
    public var acceptsAdditional: Bool { self != .closed }
}

/// What the rules need to know about a case to decide on a submission or an additional document.
public struct CaseSnapshot: Sendable, Hashable {
    public var owner: String
    public var grantees: Set<String>
    public var state: CaseState
    /// The case number (受付番号).
    public var receipt: String
    /// Earlier uploads of the same file (same SHA-256) to this case, for de-duplication.
    public var copies: [ExistingCopy]

    public init(
        owner: String, grantees: Set<String>, state: CaseState, receipt: String = "", copies: [ExistingCopy] = []
    ) {
        self.owner = owner
        self.grantees = grantees
        self.state = state
        self.receipt = receipt
        self.copies = copies
    }

    /// The owner, or an uploader the case was granted to.
    public func mayAdd(_ uploader: String) -> Bool { owner == uploader || grantees.contains(uploader) }
}

/// An earlier upload of the same file to a case.
public struct ExistingCopy: Sendable, Hashable {
    public var uploadId: String
    /// Whether any of its items' latest verdicts is a rejection.
    public var isRejected: Bool

    public init(uploadId: String, isRejected: Bool) {
        self.uploadId = uploadId
        self.isRejected = isRejected
    }
}

/// Whether an uploader may add a document to a case.
public enum CaseDecision: Sendable, Hashable {
    case accept
    /// The case already holds this file, accepted or still pending: linked once, nothing new stored.
    case alreadyLinked(uploadId: String)
    case refuse(Finding)
}

/// Whether a submission to an application may be recorded.
public enum SubmissionDecision: Sendable, Hashable {
    /// A new application, owned by the submitter, under the given receipt (nil: the store assigns one).
    case create(receipt: String?)
    /// A later submission to an existing application.
    case accept
    case refuse(Finding)
}

/// A case's move to another state.
public enum CaseTransition: Sendable, Hashable {
    /// Allowed; `opensRound` when a reviewer's request opens a new additional-document allowance.
    case move(to: CaseState, opensRound: Bool)
    case refuse(Finding)
}

/// Who may add documents to which case, and how cases move. Pure: every backend applies the same rules.
///
/// The checks run in an order that leaks as little as the contract allows: SPEC §4 gives an unknown receipt and a
/// stranger's attempt different codes, so a stranger learns that a receipt exists, but neither finding says
/// anything of the case's owner, state or documents; only someone allowed to add learns the case is closed.
public enum CaseRules {
    /// An additional document (追加資料) for the case with `receipt`, as `snapshot` shows it (nil: no such case).
    public static func decide(receipt: String, uploader: String, snapshot: CaseSnapshot?) -> CaseDecision {
        guard let snapshot else { return .refuse(.caseNotFound(receipt: receipt)) }
        guard snapshot.mayAdd(uploader) else { return .refuse(.caseForbidden(receipt: receipt)) }
        guard snapshot.state.acceptsAdditional else { return .refuse(.caseNotAccepting(receipt: receipt)) }
        // A copy that was rejected (over a limit, say) may be sent again, as the rejection message itself advises.
        if let copy = snapshot.copies.first(where: { !$0.isRejected }) {
            return .alreadyLinked(uploadId: copy.uploadId)
        }
        return .accept
    }

    /// A submission (photo, attachment, bundle) to `application`: the first creates it; a later one needs its owner
    /// or a granted agent, an open case, and no other receipt number than the case's own.
    public static func decideSubmission(
        application: String, uploader: String, receipt: String?, snapshot: CaseSnapshot?
    ) -> SubmissionDecision {
        guard let snapshot else { return .create(receipt: receipt) }
        guard snapshot.mayAdd(uploader) else { return .refuse(.applicationForbidden(application: application)) }
        guard snapshot.state.acceptsAdditional else { return .refuse(.caseNotAccepting(receipt: snapshot.receipt)) }
        if let receipt, receipt != snapshot.receipt {
            return .refuse(.receiptMismatch(application: application, given: receipt))
        }
        return .accept
    }

    /// Who may let another uploader add to a case: its owner, an admin or the operator; nil when `caller` may.
    public static func refusesGrant(receipt: String, by caller: Caller, snapshot: CaseSnapshot) -> Finding? {
        switch caller {
        case .operator: nil
        case .token(let uploader, let scope):
            uploader == snapshot.owner || scope.includes(.admin) ? nil : .caseForbidden(receipt: receipt)
        }
    }

    /// Moving a case from `current` to `target`: a closed case stays closed; entering `awaiting_additional` opens a
    /// new request round.
    public static func transition(receipt: String, from current: CaseState, to target: CaseState) -> CaseTransition {
        guard current != .closed || target == .closed else {
            return .refuse(.caseInvalidTransition(receipt: receipt, from: current, to: target))
        }
        return .move(to: target, opensRound: target == .awaitingAdditional && current != .awaitingAdditional)
    }
}

extension FindingCode {
    public static let caseNotFound = FindingCode(rawValue: "case.not_found")
    public static let caseForbidden = FindingCode(rawValue: "case.forbidden")
    public static let caseNotAccepting = FindingCode(rawValue: "case.not_accepting")
    public static let sizeAdditionalOverLimit = FindingCode(rawValue: "size.additional_over_limit")
    public static let caseInvalidTransition = FindingCode(rawValue: "case.invalid_transition")
    public static let applicationForbidden = FindingCode(rawValue: "application.forbidden")
    public static let applicationReceiptMismatch = FindingCode(rawValue: "application.receipt_mismatch")
    public static let applicationReceiptTaken = FindingCode(rawValue: "application.receipt_taken")
}

extension Finding {
    static func caseNotFound(receipt: String) -> Finding {
        Finding(
            code: .caseNotFound, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請は見つかりません。受付のお知らせ（メール"
                    + "）に記載の受付番号を確かめて、もう一度送ってください。",
                en: "No application has the receipt number “\(receipt)”. Check the number in the receipt e-mail and "
                    + "send the document again."),
            detail: ["receipt": .string(receipt)])
    }

    static func caseForbidden(receipt: String) -> Finding {
        Finding(
            code: .caseForbidden, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請に追加資料を送る権限がありません。申請を"
                    + "行った方、またはその方から依頼を受けて"
                    + "登録された取次者（弁護士・行政書士など）のアカウントから送ってく"
                    + "ださい。",
                en: "You may not add documents to the application with receipt number “\(receipt)”. Send them from "
                    + "the account that submitted the application, or ask it to authorise you as its agent (lawyer, "
                    + "administrative scrivener)."),
            detail: ["receipt": .string(receipt)])
    }

    static func caseNotAccepting(receipt: String) -> Finding {
        Finding(
            code: .caseNotAccepting, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請は審査が終了しているため、追加資料を受け"
                    + "付けていません。",
                en: "The application with receipt number “\(receipt)” is closed and no longer takes additional "
                    + "documents."),
            detail: ["receipt": .string(receipt)])
    }

    static func caseInvalidTransition(receipt: String, from: CaseState, to: CaseState) -> Finding {
        Finding(
            code: .caseInvalidTransition, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請は終了しているため、状態を「\(to.rawValue)」"
                    + "に戻すことはできません。",
                en: "The case with receipt number “\(receipt)” is closed and stays closed; it cannot move to "
                    + "\(to.rawValue)."),
            detail: ["receipt": .string(receipt), "from": .string(from.rawValue), "to": .string(to.rawValue)])
    }

    /// Names the application (the uploader's own reference), never who owns it.
    static func applicationForbidden(application: String) -> Finding {
        Finding(
            code: .applicationForbidden, severity: .error,
            message: LocalizedMessage(
                ja: "申請「\(application)」に書類を送る権限がありません。申請を行ったアカウ"
                    + "ント、またはその方から依頼を受けて登録された"
                    + "取次者のアカウントから送ってください。",
                en: "You may not send documents for application “\(application)”. Send them from the account that "
                    + "submitted it, or ask it to authorise you as its agent."),
            detail: ["application": .string(application)])
    }

    static func receiptMismatch(application: String, given: String) -> Finding {
        Finding(
            code: .applicationReceiptMismatch, severity: .error,
            message: LocalizedMessage(
                ja: "申請「\(application)」には別の受付番号が付いています。受付番号「\(given)"
                    + "」を付けずに送るか、受付のお知らせに"
                    + "記載の番号を指定してください。",
                en: "Application “\(application)” already has another receipt number than “\(given)”. Send without "
                    + "a receipt number, or give the one in the receipt e-mail."),
            detail: ["application": .string(application), "receipt": .string(given)])
    }

    /// A new application under a receipt number another application already has.
    public static func receiptTaken(receipt: String) -> Finding {
        Finding(
            code: .applicationReceiptTaken, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」は別の申請に付いています。受付のお知らせに記載"
                    + "の番号を確かめるか、受付番号を付けずに送ってください。",
                en:
                    "The receipt number “\(receipt)” belongs to another application. Check the number in the receipt e-mail, "
                    + "or send without one."),
            detail: ["receipt": .string(receipt)])
    }

    static func additionalOverLimit(total: Int64, limit: ByteSize, fileBytes: Int64) -> Finding {
        let excess = ByteSize(bytes: total - limit.bytes)
        return Finding(
            code: .sizeAdditionalOverLimit, severity: .error,
            message: LocalizedMessage(
                ja: "このファイル（\(ByteSize(bytes: fileBytes))）を加えると、今回の追加資料の合"
                    + "計が \(ByteSize(bytes: total)) になり、"
                    + "1 回の提出で送れる上限 \(limit) を \(excess) 超えます。不要なページを除"
                    + "くか、残りは次に提出を求められた際に送ってください。",
                en: "With this file (\(ByteSize(bytes: fileBytes))) the additional documents sent this time come to "
                    + "\(ByteSize(bytes: total)); one request may be answered with at most \(limit) (\(excess) over). "
                    + "Remove pages that are not needed, or send the rest when asked again."),
            detail: [
                "total": .int(total), "limit": .int(limit.bytes), "file": .int(fileBytes),
                "excess": .int(total - limit.bytes),
            ])
    }
}
