import BlobStorage
import IntakeCore
import IntakeStore
import Logging
import Synchronization

/// `process_upload`: inspects an upload in an isolated child, splits a bundle into its documents, and records each
/// item's verdict with the application limits read in the same transaction.
public struct UploadJobHandler: JobHandler {
    public let kind = JobKind.processUpload
    public var storage: any IntakeStorage
    public var blobs: any BlobStore
    public var inspector: any Inspector
    /// The policy's rules, with its version hashed once for every job this handler runs.
    public let processor: UploadProcessor
    public var policy: Policy { processor.policy }
    /// The landmark model face photos are measured with (`inspection.landmark_model`).
    public var landmarkModel: String

    public init(
        storage: any IntakeStorage, blobs: any BlobStore, inspector: any Inspector, policy: Policy,
        landmarkModel: String
    ) {
        self.storage = storage
        self.blobs = blobs
        self.inspector = inspector
        processor = UploadProcessor(policy: policy)
        self.landmarkModel = landmarkModel
    }

    public func handle(_ claim: ClaimedJob, logger: Logger) async throws {
        guard let upload = claim.upload else {
            throw JobFailure("job \(claim.job.id) names no upload", isRetriable: false)
        }
        let results = try await judge(upload, attempt: claim.job)
        // A lease lost while inspecting: the store would refuse the result anyway; say so without trying.
        try Task.checkCancellation()
        let slot = upload.slot
        let recorded = Recorded()
        try await storage.complete(claim) { usage in
            let judged = processor.applyingApplicationLimits(results, slot: slot, usage: usage)
            recorded.set(judged)
            return judged
        }
        IntakeMetrics.judged(recorded.value, slot: slot)
        logger.info("Upload judged", metadata: ["intake.items": "\(results.count)"])
    }

    /// Inspects an upload and, when it is a bundle that passes and has documents to separate, splits it and
    /// inspects each item. A bundle that is itself rejected is not split: its one item says why. Throws a retriable
    /// `JobFailure` when the inspector or the storage could not do its part.
    private func judge(_ upload: UploadRecord, attempt job: JobRecord) async throws -> [ItemResult] {
        let started = ContinuousClock.now
        // A bundle without a manifest may be split at separator sheets: have the inspector look for them.
        let separators = upload.bundle.flatMap { $0.manifest == nil ? policy.separators : nil }
        let facts = try await blobs.withLocalFile(sha256: upload.sha256) { path in
            await inspector.inspect(
                path: path, separators: separators, landmarkModel: upload.slot == .photo ? landmarkModel : nil)
        }
        IntakeMetrics.inspected(for: ContinuousClock.now - started)
        if let failure = facts.inspectionFailure, failure.reason == .unavailable {
            // The inspector could not run: retry, and if it never can, the job ends dead with the reason, never
            // with a verdict that blames the file.
            throw JobFailure("inspector unavailable: \(failure.message)", isRetriable: true)
        }
        if let failure = facts.inspectionFailure, failure.reason == .unreadable, job.attempts < job.maxAttempts {
            // Storage may come back (a remount, a transient I/O error): retry before declaring the file unreadable.
            throw JobFailure("blob unreadable: \(failure.message)", isRetriable: true)
        }
        var whole = processor.fileResult(for: upload, facts: facts)
        whole.durationMs = (ContinuousClock.now - started).seconds * 1000
        guard let bundle = upload.bundle, whole.verdict == .accepted else { return [whole] }
        switch processor.plan(bundle: bundle, upload: upload, facts: facts) {
        case .whole:
            return [whole]
        case .invalid(let finding):
            return [rejecting(whole, with: finding)]
        case .split(let documents):
            return try await split(upload, into: documents, whole: whole)
        }
    }

    /// Writes the bundle's documents as items (in a child) into a scratch folder, stores each as a blob, and
    /// inspects each.
    private func split(
        _ upload: UploadRecord, into documents: [PlannedDocument], whole: ItemResult
    ) async throws -> [ItemResult] {
        try await blobs.withScratchFolder { folder in
            let outputs = documents.indices.map { "\(folder)/item-\($0 + 1).pdf" }
            let source = try await blobs.withLocalFile(sha256: upload.sha256) { path in
                await inspector.split(source: path, ranges: documents.map(\.pages), outputs: outputs)
            }
            switch source {
            case .written:
                break
            case .failed(let failure) where failure.reason == .unavailable:
                throw JobFailure("inspector unavailable: \(failure.message)", isRetriable: true)
            case .failed(let failure):
                return [rejecting(whole, with: .unsplittable(failure.message))]
            case .refused(let message):
                return [rejecting(whole, with: .unsplittable(message))]
            }
            var items: [ItemResult] = []
            for (index, document) in documents.enumerated() {
                let stored: StoredBlob
                do {
                    stored = try await blobs.store(fileAt: outputs[index])
                } catch {
                    throw JobFailure("storing item \(index + 1): \(error)", isRetriable: true)
                }
                let facts = try await blobs.withLocalFile(sha256: stored.sha256) { path in
                    await inspector.inspect(path: path, separators: nil, landmarkModel: nil)
                }
                if let failure = facts.inspectionFailure, failure.reason == .unavailable {
                    throw JobFailure("inspector unavailable: \(failure.message)", isRetriable: true)
                }
                items.append(
                    processor.itemResult(
                        upload: upload, ordinal: index + 1, document: document, sha256: stored.sha256,
                        bytes: stored.bytes, facts: facts))
            }
            return items
        }
    }

    private func rejecting(_ result: ItemResult, with finding: Finding) -> ItemResult {
        var rejected = result
        rejected.findings.append(finding)
        rejected.verdict = .rejected
        return rejected
    }
}

/// The results the store's transaction recorded, read back once it committed (the closure runs inside it).
final class Recorded: Sendable {
    private let results = Mutex<[ItemResult]>([])
    var value: [ItemResult] { results.withLock { $0 } }
    func set(_ value: [ItemResult]) { results.withLock { $0 = value } }
}

/// `reprocess_application`: judges an application's items again from their stored facts under this worker's
/// policy, appending a verdict only where the result changed.
public struct ReprocessJobHandler: JobHandler {
    public let kind = JobKind.reprocessApplication
    public var storage: any IntakeStorage
    public let processor: UploadProcessor
    public var policy: Policy { processor.policy }

    public init(storage: any IntakeStorage, policy: Policy) {
        self.storage = storage
        processor = UploadProcessor(policy: policy)
    }

    public func handle(_ claim: ClaimedJob, logger: Logger) async throws {
        let processor = processor
        let recorded = try await storage.completeReprocess(claim) { processor.changedResults($0) }
        logger.info("Reprocessed", metadata: ["intake.verdicts.new": "\(recorded)"])
    }
}
