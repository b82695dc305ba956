import IntakeCore
import IntakeStore

/// Turns an upload's inspected facts into item results under a policy. Pure: no I/O, so a retried or
/// reprocessed job computes the same items and verdicts from the same facts.
public struct UploadProcessor: Sendable {
    public var policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// The item for a plain upload (the file itself), with the findings that depend on the file alone.
    public func fileResult(for upload: UploadRecord, facts: FileFacts) -> ItemResult {
        let rules = AttachmentRules(policy: policy)
        let findings = rules.fileFindings(for: facts, fileName: upload.fileName, slot: upload.slot)
        let pages = facts.pdf?.pages ?? 0
        let item = ItemRecord(
            id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName,
            firstPage: pages > 0 ? 1 : nil, lastPage: pages > 0 ? pages : nil, sha256: upload.sha256,
            bytes: upload.bytes)
        return ItemResult(
            item: item, verdict: Verdict(findings: findings), findings: findings, facts: facts,
            policyVersion: policy.version)
    }

    /// Adds the limits that count the rest of the application, read in the transaction that records the verdict.
    public func applyingApplicationLimits(_ result: ItemResult, slot: Slot, usage: ApplicationUsage) -> ItemResult {
        var findings = result.findings
        findings += AttachmentRules(policy: policy).applicationFindings(bytes: result.item.bytes, slot: slot, usage: usage)
        var updated = result
        updated.findings = findings
        updated.verdict = Verdict(findings: findings)
        return updated
    }
}
