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

/// What the rules need to know about a case to decide on an additional document.
public struct CaseSnapshot: Sendable, Hashable {
    public var owner: String
    public var grantees: Set<String>
    public var state: CaseState

    public init(owner: String, grantees: Set<String>, state: CaseState) {
        self.owner = owner
        self.grantees = grantees
        self.state = state
    }
}

/// Whether an uploader may add a document to a case.
public enum CaseDecision: Sendable, Hashable {
    case accept
    case refuse(Finding)
}

/// Who may add documents to which case. Pure.
///
/// The checks run in an order that leaks as little as the contract allows: SPEC §4 gives an unknown receipt and a
/// stranger's attempt different codes, so a stranger learns that a receipt exists, but neither finding says
/// anything of the case's owner, state or documents; only someone allowed to add learns the case is closed.
public enum CaseRules {
    public static func decide(receipt: String, uploader: String, snapshot: CaseSnapshot?) -> CaseDecision {
        guard let snapshot else { return .refuse(.caseNotFound(receipt: receipt)) }
        guard snapshot.owner == uploader || snapshot.grantees.contains(uploader) else {
            return .refuse(.caseForbidden(receipt: receipt))
        }
        guard snapshot.state.acceptsAdditional else { return .refuse(.caseNotAccepting(receipt: receipt)) }
        return .accept
    }
}

extension FindingCode {
    public static let caseNotFound = FindingCode(rawValue: "case.not_found")
    public static let caseForbidden = FindingCode(rawValue: "case.forbidden")
    public static let caseNotAccepting = FindingCode(rawValue: "case.not_accepting")
    public static let sizeAdditionalOverLimit = FindingCode(rawValue: "size.additional_over_limit")
}

extension Finding {
    static func caseNotFound(receipt: String) -> Finding {
        Finding(
            code: .caseNotFound, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請は見つかりません。受付のお知らせ（メール）に記載の受付番号を確かめて、もう一度送ってください。",
                en: "No application has the receipt number “\(receipt)”. Check the number in the receipt e-mail and "
                    + "send the document again."),
            detail: ["receipt": .string(receipt)])
    }

    static func caseForbidden(receipt: String) -> Finding {
        Finding(
            code: .caseForbidden, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請に追加資料を送る権限がありません。申請を行った方、またはその方から依頼を受けて"
                    + "登録された取次者（弁護士・行政書士など）のアカウントから送ってください。",
                en: "You may not add documents to the application with receipt number “\(receipt)”. Send them from "
                    + "the account that submitted the application, or ask it to authorise you as its agent (lawyer, "
                    + "administrative scrivener)."),
            detail: ["receipt": .string(receipt)])
    }

    static func caseNotAccepting(receipt: String) -> Finding {
        Finding(
            code: .caseNotAccepting, severity: .error,
            message: LocalizedMessage(
                ja: "受付番号「\(receipt)」の申請は審査が終了しているため、追加資料を受け付けていません。",
                en: "The application with receipt number “\(receipt)” is closed and no longer takes additional "
                    + "documents."),
            detail: ["receipt": .string(receipt)])
    }

    static func additionalOverLimit(total: Int64, limit: ByteSize, fileBytes: Int64) -> Finding {
        let excess = ByteSize(bytes: total - limit.bytes)
        return Finding(
            code: .sizeAdditionalOverLimit, severity: .error,
            message: LocalizedMessage(
                ja: "このファイル（\(ByteSize(bytes: fileBytes))）を加えると、今回の追加資料の合計が \(ByteSize(bytes: total)) になり、"
                    + "1 回の提出で送れる上限 \(limit) を \(excess) 超えます。不要なページを除くか、残りは次に提出を求められた際に送ってください。",
                en: "With this file (\(ByteSize(bytes: fileBytes))) the additional documents sent this time come to "
                    + "\(ByteSize(bytes: total)); one request may be answered with at most \(limit) (\(excess) over). "
                    + "Remove pages that are not needed, or send the rest when asked again."),
            detail: [
                "total": .int(total), "limit": .int(limit.bytes), "file": .int(fileBytes),
                "excess": .int(total - limit.bytes),
            ])
    }
}
