import BlobStorage
import Foundation
import IntakeCore
import IntakeStore
import IntakeWorker

/// Every operation Intake offers, once, for every face: the command line and the HTTP API parse their input, call
/// one method here and render what it returns. Nothing here knows which face called it, nor which backend it holds.
public struct IntakeService: Sendable {
    public let settings: IntakeSettings
    /// Nil for a process that only inspects (`check`): it opens no data folder.
    private let backend: (storage: any IntakeStorage, blobs: any BlobStore)?
    /// For `check`, which inspects without storing.
    public let inspector: any Inspector
    /// Wakes this process's worker when a job is queued (nil when none runs here).
    let wakeup: JobWakeup?

    public var policy: Policy { settings.policy }

    public init(
        settings: IntakeSettings, storage: (any IntakeStorage)?, blobs: (any BlobStore)?, inspector: any Inspector,
        wakeup: JobWakeup? = nil
    ) {
        self.wakeup = wakeup
        self.settings = settings
        if let storage, let blobs { backend = (storage, blobs) } else { backend = nil }
        self.inspector = inspector
    }

    public var storage: any IntakeStorage {
        get throws(IntakeError) {
            guard let backend else { throw IntakeError(.storage, "this process opened no store") }
            return backend.storage
        }
    }

    public var blobs: any BlobStore {
        get throws(IntakeError) {
            guard let backend else { throw IntakeError(.storage, "this process opened no store") }
            return backend.blobs
        }
    }

    // MARK: Uploads

    /// One file for an application: what the uploader says it is.
    public struct Submission: Sendable {
        public var application: String
        public var uploader: String
        /// A case number for a new application; checked against the case's own for an existing one.
        public var receipt: String?
        public var slot: Slot
        /// The name the uploader gave: metadata only, never part of a path.
        public var fileName: String
        /// Set for a bundle: several documents in one PDF, to be split.
        public var bundle: BundleInstructions?
        /// The SHA-256 the sender says the bytes have (HTTP `Repr-Digest`): checked before anything is recorded.
        public var expectedSHA256: String?

        public init(
            application: String, uploader: String, receipt: String?, slot: Slot, fileName: String,
            bundle: BundleInstructions? = nil, expectedSHA256: String? = nil
        ) {
            self.application = application
            self.uploader = uploader
            self.receipt = receipt
            self.slot = slot
            self.fileName = fileName
            self.bundle = bundle
            self.expectedSHA256 = expectedSHA256
        }
    }

    /// Stores the bytes durably, then records the upload and queues its job, in that order: by the time this
    /// returns, the upload survives any crash. The first submission creates the application; a later one is judged
    /// by `CaseRules.decideSubmission`, and a refusal comes back as a finding, not an error.
    public func submit<Body: AsyncSequence & Sendable>(_ submission: Submission, body: Body) async throws(IntakeError)
        -> SubmittedFile where Body.Element == [UInt8]
    {
        try Self.validate(identifier: submission.application, "application id")
        if let receipt = submission.receipt { try Self.validate(identifier: receipt, "receipt number") }
        try Self.validate(identifier: submission.uploader, "uploader id")
        let stored = try await store(body)
        if let expected = submission.expectedSHA256, expected != stored.sha256 {
            throw IntakeError(.digestMismatch, "the bytes' SHA-256 is \(stored.sha256), not \(expected)")
        }
        let storage = try storage
        let new = NewUpload(
            applicationId: submission.application, uploader: submission.uploader, receipt: submission.receipt,
            slot: submission.slot, fileName: submission.fileName, sha256: stored.sha256, bytes: stored.bytes,
            bundle: submission.bundle)
        let (application, uploader, receipt) = (submission.application, submission.uploader, submission.receipt)
        let outcome = try await storing {
            try await storage.submit(new, maxAttempts: settings.worker.maxAttempts) { snapshot in
                CaseRules.decideSubmission(
                    application: application, uploader: uploader, receipt: receipt, snapshot: snapshot)
            }
        }
        var file = SubmittedFile(
            file: submission.fileName, slot: submission.slot, sha256: stored.sha256, bytes: stored.bytes,
            upload: nil, job: nil, receipt: nil, duplicate: false, findings: [])
        switch outcome {
        case .recorded(let result):
            file.upload = result.upload.id
            file.job = result.job.id
            file.receipt = result.receipt
            file.duplicate = result.duplicate
            if !result.duplicate {
                IntakeMetrics.received(slot: submission.slot)
                wakeup?.signal()
            }
        case .refused(let finding):
            file.findings = [finding]
        }
        return file
    }

    /// One additional document (追加資料) for a case.
    public struct Addition: Sendable {
        public var receipt: String
        public var uploader: String
        public var fileName: String
        /// The file holds several documents, to be split by its bookmarks.
        public var isBundle: Bool

        public init(receipt: String, uploader: String, fileName: String, isBundle: Bool = false) {
            self.receipt = receipt
            self.uploader = uploader
            self.fileName = fileName
            self.isBundle = isBundle
        }
    }

    /// Stores the bytes durably and links them to the case when `CaseRules.decide` allows; a refused document is
    /// kept for audit with its finding, outside any case.
    public func add<Body: AsyncSequence & Sendable>(_ addition: Addition, body: Body) async throws(IntakeError)
        -> AddedDocument where Body.Element == [UInt8]
    {
        let stored = try await store(body)
        let storage = try storage
        let (receipt, uploader) = (addition.receipt, addition.uploader)
        let outcome = try await storing {
            try await storage.add(
                NewAdditional(
                    receipt: receipt, uploader: uploader, fileName: addition.fileName, sha256: stored.sha256,
                    bytes: stored.bytes, bundle: addition.isBundle ? BundleInstructions(manifest: nil) : nil),
                maxAttempts: settings.worker.maxAttempts, policyVersion: policy.version
            ) { snapshot in CaseRules.decide(receipt: receipt, uploader: uploader, snapshot: snapshot) }
        }
        switch outcome {
        case .linked(let upload, let job):
            IntakeMetrics.received(slot: .additional)
            wakeup?.signal()
            return AddedDocument(
                file: addition.fileName, upload: upload.id, job: job.id, outcome: .linked, findings: [])
        case .alreadyLinked(let upload):
            return AddedDocument(
                file: addition.fileName, upload: upload.id, job: nil, outcome: .alreadyLinked, findings: [])
        case .refused(let upload, let finding):
            return AddedDocument(
                file: addition.fileName, upload: upload.id, job: nil, outcome: .refused, findings: [finding])
        }
    }

    /// Ids and receipt numbers come from other systems and are shown back to people: 1 to 128 characters, no
    /// control characters. Checked before anything is stored.
    static func validate(identifier: String, _ what: String) throws(IntakeError) {
        guard (1...128).contains(identifier.count),
            !identifier.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw IntakeError(.invalidRequest, "the \(what) must be 1 to 128 characters without control characters")
        }
    }

    private func store<Body: AsyncSequence & Sendable>(_ body: Body) async throws(IntakeError) -> StoredBlob
    where Body.Element == [UInt8] {
        let blobs = try blobs
        do {
            return try await blobs.write(body, maximumBytes: nil)
        } catch {
            switch error.code {
            case .sourceUnreadable: throw IntakeError(.fileUnreadable, error.message)
            default: throw IntakeError(.storage, "blob store: \(error.message)")
            }
        }
    }

    /// Runs a store call, reporting its faults as `IntakeError.storage`.
    func storing<Value: Sendable>(_ call: () async throws -> Value) async throws(IntakeError) -> Value {
        do {
            return try await call()
        } catch let error as IntakeError {
            throw error
        } catch {
            throw IntakeError(.storage, "\(error)")
        }
    }

    // MARK: Status

    public func applicationIds() async throws(IntakeError) -> [String] {
        try await storing { try await storage.applicationIds() }
    }

    /// An application as SPEC §3b shows it, with its raw status for renderers that want more.
    public func applicationStatus(_ id: String) async throws(IntakeError) -> ApplicationStatus {
        guard let status = try await storing({ try await storage.status(applicationId: id) }) else {
            throw IntakeError(.notFound, "no application \(id)")
        }
        return status
    }

    public func uploadStatus(_ id: String) async throws(IntakeError) -> UploadStatus {
        guard let status = try await storing({ try await storage.status(uploadId: id) }) else {
            throw IntakeError(.notFound, "no upload \(id)")
        }
        return status
    }

    public func job(_ id: String) async throws(IntakeError) -> JobRecord {
        guard let job = try await storing({ try await storage.job(id: id) }) else {
            throw IntakeError(.notFound, "no job \(id)")
        }
        return job
    }

    /// Waits until no job is unfinished (queued, retrying or running), polling the store: how a command that
    /// runs the worker beside itself knows the work it queued is done.
    public func waitUntilQueueIsEmpty(polling interval: Duration = .milliseconds(25)) async throws {
        let storage = try storage
        while try await storage.unfinishedJobs().count > 0 {
            try await Task.sleep(for: interval)
        }
    }

    // MARK: Cases

    public func caseView(receipt: String) async throws(IntakeError) -> CaseView {
        guard let view = try await storing({ try await storage.caseView(receipt: receipt) }) else {
            throw IntakeError(.notFound, "no case with receipt \(receipt)")
        }
        return view
    }

    /// Moves a case to `state` (`CaseRules.transition`); `actor` is recorded in its history.
    public func setCaseState(receipt: String, to state: CaseState, actor: String) async throws(IntakeError)
        -> ApplicationRecord
    {
        let outcome = try await storing {
            try await storage.setCaseState(receipt: receipt, actor: actor) { current in
                CaseRules.transition(receipt: receipt, from: current, to: state)
            }
        }
        switch outcome {
        case .moved(let application): return application
        case .refused(let finding): throw IntakeError.refused(finding)
        case .notFound: throw IntakeError(.notFound, "no case with receipt \(receipt)")
        }
    }

    /// Allows `uploader` (an agent acting for the applicant) to add documents to the case.
    public func grant(receipt: String, uploader: String, actor: String) async throws(IntakeError) {
        let found = try await storing { try await storage.grant(receipt: receipt, uploader: uploader, actor: actor) }
        guard found else { throw IntakeError(.notFound, "no case with receipt \(receipt)") }
    }

    // MARK: Checking files directly

    /// Validates local files under the policy without storing or queuing anything. The slot defaults from the
    /// detected type: an image is checked as the face photo.
    public func check(files: [String], slot: Slot?) async throws(IntakeError) -> [CheckReport] {
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw IntakeError(.fileUnreadable, "\(file): no such file")
            }
            guard !isDirectory.boolValue else { throw IntakeError(.fileUnreadable, "\(file): is a folder") }
        }
        let rules = FileRules(policy: policy)
        let today = CalendarDay(japanTime: Date().timeIntervalSince1970)
        let landmarkModel = settings.worker.landmarkModel
        let inspector = inspector
        let reports = await withTaskGroup(of: (Int, CheckReport).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask {
                    let path = URL(fileURLWithPath: file).path
                    let facts = await inspector.inspect(
                        path: path, separators: nil, landmarkModel: slot == .attachment ? nil : landmarkModel)
                    let slot = slot ?? (facts.mime.hasPrefix("image/") ? .photo : .attachment)
                    let name = (file as NSString).lastPathComponent
                    let (findings, judged) = rules.judge(facts, fileName: name, slot: slot, submittedOn: today)
                    return (
                        index,
                        CheckReport(
                            file: file, slot: slot, verdict: Verdict(findings: findings), policy: policy.version,
                            findings: findings, facts: judged)
                    )
                }
            }
            var collected: [(Int, CheckReport)] = []
            for await report in group { collected.append(report) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        if let unavailable = reports.first(where: { $0.facts.inspectionFailure?.reason == .unavailable }) {
            throw IntakeError(
                .inspectorUnavailable,
                "cannot inspect \(unavailable.file): \(unavailable.facts.inspectionFailure?.message ?? "")")
        }
        return reports
    }
}
