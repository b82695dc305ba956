import IntakeCore
import IntakeStore

/// Turns an upload's inspected facts into item results under a policy. Pure: no I/O, so a retried or
/// reprocessed job computes the same items and verdicts from the same facts.
public struct UploadProcessor: Sendable {
    public let policy: Policy
    /// `policy.version`, hashed once: every result carries it, and hashing the canonical text for each was a fifth
    /// of the worker's own time per upload.
    public let policyVersion: String

    public init(policy: Policy) {
        self.policy = policy
        policyVersion = policy.version
    }

    /// The item for a plain upload (the file itself), with the findings that depend on the file alone.
    public func fileResult(for upload: UploadRecord, facts: FileFacts) -> ItemResult {
        let (findings, facts) = FileRules(policy: policy).judge(
            facts, fileName: upload.fileName, slot: upload.slot, submittedOn: CalendarDay(japanTime: upload.createdAt))
        let pages = facts.pdf?.pages ?? 0
        let item = ItemRecord(
            id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName,
            firstPage: pages > 0 ? 1 : nil, lastPage: pages > 0 ? pages : nil, sha256: upload.sha256,
            bytes: upload.bytes)
        return ItemResult(
            item: item, verdict: Verdict(findings: findings), findings: findings, facts: facts,
            policyVersion: policyVersion)
    }

    /// Adds the limits that count the rest of the application, read in the transaction that records the verdicts.
    /// The items of one upload (a split bundle's documents) count in order: each accepted one uses the allowance
    /// the next sees.
    public func applyingApplicationLimits(_ results: [ItemResult], slot: Slot, usage: ApplicationUsage)
        -> [ItemResult]
    {
        var usage = usage
        var countedUpload = false
        return results.map { result in
            var updated = result
            updated.findings += AttachmentRules(policy: policy).applicationFindings(
                bytes: result.item.bytes, slot: slot, usage: usage)
            updated.verdict = Verdict(findings: updated.findings)
            if updated.verdict == .accepted {
                switch slot {
                case .photo, .attachment:
                    usage.acceptedOriginalBytes += result.item.bytes
                    if slot == .attachment && !countedUpload {
                        usage.acceptedAttachments += 1
                        countedUpload = true
                    }
                case .additional: usage.acceptedAdditionalBytesThisRound += result.item.bytes
                }
            }
            return updated
        }
    }

    /// One item of a split bundle, judged from its own inspection.
    public func itemResult(
        upload: UploadRecord, ordinal: Int, document: PlannedDocument, sha256: String, bytes: Int64, facts: FileFacts
    ) -> ItemResult {
        let findings = AttachmentRules(policy: policy).fileFindings(
            for: facts, fileName: document.title + ".pdf", slot: upload.slot)
        let item = ItemRecord(
            id: "\(upload.id)-\(ordinal)", uploadId: upload.id, ordinal: ordinal, title: document.title,
            documentType: document.type, firstPage: document.pages.lowerBound, lastPage: document.pages.upperBound,
            sha256: sha256, bytes: bytes)
        return ItemResult(
            item: item, verdict: Verdict(findings: findings), findings: findings, facts: facts,
            policyVersion: policyVersion)
    }

    /// Where a bundle's documents are, if it is to be split: nil when it stays one item, or the finding that
    /// rejects it (an invalid manifest).
    public func plan(bundle: BundleInstructions, upload: UploadRecord, facts: FileFacts) -> BundlePlan {
        let pages = facts.pdf?.pages ?? 0
        if let manifest = bundle.manifest {
            switch SplitPlanner.plan(manifest: manifest, pageCount: pages) {
            case .valid(let documents): return documents.count > 1 ? .split(documents) : .whole
            case .invalid(let finding): return .invalid(finding)
            }
        }
        let documents = SplitPlanner.plan(
            outline: facts.pdf?.outline ?? [], pageCount: pages, untitledTitle: upload.fileName)
        if documents.count > 1 { return .split(documents) }
        let separated = SplitPlanner.plan(
            separators: Set(facts.pdf?.separatorPages ?? []), pageCount: pages, title: upload.fileName)
        // Separator sheets are dropped even when they separate only one document from nothing.
        return separated.isEmpty ? .whole : .split(separated)
    }

    /// An application's items judged again under this policy, from the facts their inspections recorded, in the
    /// order they were first decided, so the application limits count what came first as before.
    public func replay(_ entries: [ReplayEntry]) -> [ItemResult] {
        var usage = ApplicationUsage(
            acceptedOriginalBytes: 0, acceptedAttachments: 0, acceptedAdditionalBytesThisRound: 0)
        var additionalByRound: [Int: Int64] = [:]
        var countedAttachments: Set<String> = []
        return entries.map { entry in
            let slot = entry.upload.slot
            let judged = FileRules(policy: policy).judge(
                entry.latest.facts, fileName: entry.upload.fileName, slot: slot,
                submittedOn: CalendarDay(japanTime: entry.upload.createdAt))
            // What splitting found stays: the rules never produced it, so replaying them cannot clear it.
            var findings = entry.latest.findings.filter(\.isFromSplitting) + judged.findings
            usage.acceptedAdditionalBytesThisRound = additionalByRound[entry.upload.round] ?? 0
            findings += AttachmentRules(policy: policy).applicationFindings(
                bytes: entry.item.bytes, slot: slot, usage: usage)
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
                item: entry.item, verdict: verdict, findings: findings, facts: judged.facts,
                policyVersion: policyVersion)
        }
    }
}

extension UploadProcessor {
    /// The replayed results that are to be recorded: those whose verdict, findings or policy differ from the
    /// item's latest verdict (`Judgement.isRecorded(over:)`).
    public func changedResults(_ entries: [ReplayEntry]) -> [ItemResult] {
        zip(entries, replay(entries)).compactMap { entry, result in
            let latest = Judgement(
                verdict: entry.latest.verdict, findings: entry.latest.findings,
                policyVersion: entry.latest.policyVersion)
            let replayed = Judgement(
                verdict: result.verdict, findings: result.findings, policyVersion: result.policyVersion)
            return replayed.isRecorded(over: latest) ? result : nil
        }
    }
}

/// What to do with a bundle.
public enum BundlePlan: Sendable, Hashable {
    /// One item: nothing marks separate documents.
    case whole
    case split([PlannedDocument])
    /// Rejected as it is: the manifest does not fit the PDF.
    case invalid(Finding)
}
