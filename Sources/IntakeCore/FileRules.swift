/// The rules for one file in its slot: the photo specification for the photo slot, the attachment rules for the
/// others. The one entry point for judging a file, so `check`, the worker and reprocessing cannot disagree.
public struct FileRules: Sendable {
    public var policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// The file's findings, and its facts as judged: a photo's facts gain the checks it was held against.
    /// `submittedOn` is the day the upload arrived in Japan (the photo's age is counted back from it).
    public func judge(_ facts: FileFacts, fileName: String, slot: Slot, submittedOn: CalendarDay)
        -> (findings: [Finding], facts: FileFacts)
    {
        switch slot {
        case .photo:
            let rules = PhotoRules(policy: policy)
            return (
                rules.fileFindings(for: facts, fileName: fileName, submittedOn: submittedOn),
                rules.annotated(facts, submittedOn: submittedOn)
            )
        case .attachment, .additional:
            return (AttachmentRules(policy: policy).fileFindings(for: facts, fileName: fileName, slot: slot), facts)
        }
    }
}
