import Foundation
import IntakeCore
import IntakeStore
import IntakeTesting
import Testing

@testable import IntakeWorker

/// Item judgement, pure: the same facts always give the same items and verdicts.
@Suite("Upload processor")
struct UploadProcessorTests {
    func upload(_ id: String, bytes: Int64, slot: Slot = .attachment) -> UploadRecord {
        UploadRecord(
            id: id, applicationId: "A", round: 0, slot: slot, fileName: "\(id).pdf", sha256: id, bytes: bytes,
            uploader: "u", idempotencyKey: id, createdAt: 1_795_000_000)
    }

    func entry(_ upload: UploadRecord, policy: String = "old", verdict: Verdict = .accepted) -> ReplayEntry {
        let item = ItemRecord(
            id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName, firstPage: 1, lastPage: 1,
            sha256: upload.sha256, bytes: upload.bytes)
        return ReplayEntry(
            upload: upload, item: item,
            latest: VerdictRecord(
                itemId: item.id, verdict: verdict, policyVersion: policy, findings: [],
                facts: StubInspector.cleanPDF(bytes: upload.bytes, sha256: upload.sha256), createdAt: 0))
    }

    @Test("Replay counts the allowance in the order of first decisions; only changed results are recorded")
    func replay() {
        let processor = UploadProcessor(policy: .testDefault(applicationTotal: 1_000))
        let entries = [entry(upload("U-1", bytes: 600)), entry(upload("U-2", bytes: 600))]
        let replayed = processor.replay(entries)
        #expect(replayed.map(\.verdict) == [.accepted, .rejected])
        #expect(replayed[1].findings.map(\.code) == [.sizeApplicationOverLimit])
        let changed = processor.changedResults(entries)
        #expect(changed.map(\.item.id) == ["U-1-1", "U-2-1"], "another policy version: both get a new verdict")
        let settled = zip(entries, replayed).map { entry, result in
            var settled = entry
            settled.latest.verdict = result.verdict
            settled.latest.findings = result.findings
            settled.latest.policyVersion = result.policyVersion
            return settled
        }
        #expect(processor.changedResults(settled).isEmpty, "replaying again under the same policy changes nothing")
    }

    @Test("A bundle refused for its manifest stays refused when replayed: splitting's findings are kept")
    func splitFindingsSurviveReplay() throws {
        let processor = UploadProcessor(policy: .testDefault(applicationTotal: 1_000))
        var refused = entry(upload("U-1", bytes: 100), verdict: .rejected)
        // A manifest for pages the one-page PDF does not have.
        let manifest = try JSONDecoder().decode(
            SplitManifest.self, from: Data(#"{"documents": [{"title": "a", "pages": [1, 5]}]}"#.utf8))
        guard case .invalid(let finding) = SplitPlanner.plan(manifest: manifest, pageCount: 1) else {
            Issue.record("the manifest was accepted")
            return
        }
        refused.latest.findings = [finding]
        let replayed = processor.replay([refused])
        #expect(replayed[0].verdict == .rejected)
        #expect(replayed[0].findings.map(\.code) == [.splitManifestInvalid])
        refused.latest.policyVersion = processor.policy.version
        #expect(processor.changedResults([refused]).isEmpty, "nothing new to record")
    }

    @Test("The items of one split upload share the allowance in order")
    func splitItemsShareAllowance() {
        let processor = UploadProcessor(policy: .testDefault(applicationTotal: 1_000))
        let bundle = upload("U-1", bytes: 900)
        let items = (1...3).map { ordinal in
            processor.itemResult(
                upload: bundle, ordinal: ordinal,
                document: PlannedDocument(title: "d\(ordinal)", type: nil, pages: ordinal...ordinal),
                sha256: "s\(ordinal)",
                bytes: 400, facts: StubInspector.cleanPDF(bytes: 400, sha256: "s\(ordinal)"))
        }
        let none = ApplicationUsage(
            acceptedOriginalBytes: 0, acceptedAttachments: 0, acceptedAdditionalBytesThisRound: 0)
        let judged = processor.applyingApplicationLimits(items, slot: .attachment, usage: none)
        #expect(judged.map(\.verdict) == [.accepted, .accepted, .rejected])
    }
}
