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

    /// An application's items judged again under this policy, from the facts their inspections recorded, in the
    /// order they were first decided, so the application limits count what came first as before.
    public func replay(_ entries: [ReplayEntry]) -> [ItemResult] {
        var usage = ApplicationUsage(acceptedOriginalBytes: 0, acceptedAttachments: 0, acceptedAdditionalBytesThisRound: 0)
        var additionalByRound: [Int: Int64] = [:]
        var countedAttachments: Set<String> = []
        return entries.map { entry in
            let slot = entry.upload.slot
            let rules = AttachmentRules(policy: policy)
            var findings = rules.fileFindings(for: entry.latest.facts, fileName: entry.upload.fileName, slot: slot)
            usage.acceptedAdditionalBytesThisRound = additionalByRound[entry.upload.round] ?? 0
            findings += rules.applicationFindings(bytes: entry.item.bytes, slot: slot, usage: usage)
            let verdict = Verdict(findings: findings)
            if verdict == .accepted {
                switch slot {
                case .photo, .attachment:
                    usage.acceptedOriginalBytes += entry.item.bytes
                    if slot == .attachment, countedAttachments.insert(entry.upload.id).inserted {
                        usage.acceptedAttachments += 1
                    }
                case .additional:
                    additionalByRound[entry.upload.round, default: 0] += entry.item.bytes
                }
            }
            return ItemResult(
                item: entry.item, verdict: verdict, findings: findings, facts: entry.latest.facts,
                policyVersion: policy.version)
        }
    }
}
