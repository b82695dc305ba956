import IntakeCore
import IntakeStore

// The documents both faces render: the CLI's `--json` output and the HTTP API's bodies (SPEC §3–§3e).

/// Finding codes of recent uploads and how many items each was raised on.
public struct RecentFindings: Encodable, Sendable {
    public struct Count: Encodable, Sendable {
        public var code: String
        public var items: Int
    }
    public var days: Int
    public var since: String
    public var codes: [Count]
}

/// `check --json`: one object per file (SPEC §3).
public struct CheckReport: Encodable, Sendable {
    public var file: String
    public var slot: Slot
    public var verdict: Verdict
    public var policy: String
    public var findings: [Finding]
    public var facts: FileFacts
}

/// A job as status reports show it.
public struct JobSummary: Encodable, Sendable {
    public var id: String
    public var state: JobState
    public var attempts: Int
    public var maxAttempts: Int
    @NullEncodable public var lastError: String?

    public init(_ job: JobRecord) {
        id = job.id
        state = job.state
        attempts = job.attempts
        maxAttempts = job.maxAttempts
        lastError = job.lastError
    }
}

/// `status APPLICATION --json` (SPEC §3b).
public struct ApplicationReport: Encodable, Sendable {
    public struct Item: Encodable, Sendable {
        public var id: String
        public var title: String
        @NullEncodable public var type: String?
        @NullEncodable public var pages: [Int]?
        public var sha256: String
        public var bytes: Int64
        /// `null` while pending: SPEC §3b lists every key.
        @NullEncodable public var verdict: Verdict?
        @NullEncodable public var policy: String?
        public var findings: [Finding]
        public var history: Int
    }
    public struct Upload: Encodable, Sendable {
        public var id: String
        public var slot: Slot
        public var file: String
        public var uploader: String
        public var uploadedAt: String
        /// For additional documents: the request round of the case they answer.
        public var round: Int?
        public var sha256: String
        public var bytes: Int64
        /// True for a bundle (several documents in one PDF, split into `items`); left out otherwise.
        public var bundle: Bool?
        public var job: JobSummary?
        public var items: [Item]
    }
    public struct Totals: Encodable, Sendable {
        public var acceptedBytes: Int64
        public var totalLimitBytes: Int64
        public var additionalRound: Int
        public var additionalAcceptedBytes: Int64
        public var additionalLimitBytes: Int64
    }
    public var application: String
    public var receipt: String
    public var status: CaseState
    public var owner: String
    /// The photo and attachments sent with the application.
    public var uploads: [Upload]
    /// Additional documents linked to the case, in the order they came.
    public var additional: [Upload]
    public var totals: Totals

    public init(_ status: ApplicationStatus, policy: Policy) {
        application = status.application.id
        receipt = status.application.receipt
        self.status = status.application.status
        owner = status.application.owner
        uploads = status.uploads.map(Self.upload)
        additional = status.additional.map(Self.upload)
        totals = Totals(
            acceptedBytes: status.acceptedBytes, totalLimitBytes: policy.applicationTotalLimit.bytes,
            additionalRound: status.application.round,
            additionalAcceptedBytes: status.usage.acceptedAdditionalBytesThisRound,
            additionalLimitBytes: policy.additionalTotalLimit.bytes)
    }

    public static func upload(_ status: UploadStatus) -> Upload {
        Upload(
            id: status.upload.id, slot: status.upload.slot, file: status.upload.fileName,
            uploader: status.upload.uploader, uploadedAt: Timestamps.iso8601(status.upload.createdAt),
            round: status.upload.slot == .additional ? status.upload.round : nil,
            sha256: status.upload.sha256, bytes: status.upload.bytes, bundle: status.upload.bundle != nil ? true : nil,
            job: status.job.map(JobSummary.init),
            items: status.items.map { item in
                Item(
                    id: item.item.id, title: item.item.title, type: item.item.documentType,
                    pages: item.item.firstPage.flatMap { first in item.item.lastPage.map { [first, $0] } },
                    sha256: item.item.sha256, bytes: item.item.bytes, verdict: item.latest?.verdict,
                    policy: item.latest?.policyVersion, findings: item.latest?.findings ?? [], history: item.history)
            })
    }
}

/// What one submitted file came to: stored and queued (or recognised as a duplicate), or refused by the rules.
public struct SubmittedFile: Encodable, Sendable {
    public var file: String
    public var slot: Slot
    public var sha256: String
    public var bytes: Int64
    public var upload: String?
    public var job: String?
    public var receipt: String?
    public var duplicate: Bool
    /// Why the submission was refused; empty when it was recorded.
    public var findings: [Finding]
    public var isRefused: Bool { !findings.isEmpty }
}

/// `submit --json`.
public struct SubmitReport: Encodable, Sendable {
    public var application: String
    public var receipt: String
    public var uploads: [SubmittedFile]

    public init(application: String, receipt: String?, uploads: [SubmittedFile]) {
        self.application = application
        self.receipt = uploads.compactMap(\.receipt).last ?? receipt ?? ""
        self.uploads = uploads
    }
}

/// What one additional document came to.
public struct AddedDocument: Encodable, Sendable {
    public enum Outcome: String, Encodable, Sendable {
        case linked
        case alreadyLinked = "already_linked"
        case refused
    }
    public var file: String
    public var upload: String
    public var job: String?
    public var outcome: Outcome
    public var findings: [Finding]
}

/// `add --json`.
public struct AddReport: Encodable, Sendable {
    public var receipt: String
    public var uploader: String
    public var documents: [AddedDocument]

    public init(receipt: String, uploader: String, documents: [AddedDocument]) {
        self.receipt = receipt
        self.uploader = uploader
        self.documents = documents
    }
}

/// `case show --json`.
public struct CaseReport: Encodable, Sendable {
    public struct Grant: Encodable, Sendable {
        public var uploader: String
        public var grantedBy: String
        public var grantedAt: String
    }
    public struct Event: Encodable, Sendable {
        public var kind: String
        public var actor: String
        public var upload: String?
        public var detail: String
        public var at: String
    }
    public var application: ApplicationReport
    public var grants: [Grant]
    public var events: [Event]

    public init(_ view: CaseView, policy: Policy) {
        application = ApplicationReport(view.status, policy: policy)
        grants = view.grants.map {
            Grant(uploader: $0.uploader, grantedBy: $0.grantedBy, grantedAt: Timestamps.iso8601($0.grantedAt))
        }
        events = view.events.map {
            Event(kind: $0.kind, actor: $0.actor, upload: $0.uploadId, detail: $0.detail, at: Timestamps.iso8601($0.at))
        }
    }
}

/// `reprocess --dry-run --json` (SPEC §3e): only items whose verdict would change.
public struct ReprocessDryRun: Encodable, Sendable {
    public struct Change: Encodable, Sendable {
        public var application: String
        public var upload: String
        public var item: String
        public var file: String
        public var from: Verdict
        public var to: Verdict
        public var codes: [String]
    }
    public var examined: Int
    public var policy: String
    public var changes: [Change]
}

/// What starting a reprocess run did. Runs are named by the policy they judge under: a later run under the same
/// policy resumes an earlier one, so one name covers both.
public struct ReprocessRun: Encodable, Sendable {
    public var run: String
    public var selected: Int
    public var queued: Int
    public var resumed: Int
    public var upToDate: Int
    /// Applications with a reprocess job still to do: the run's size.
    public var pending: Int { queued + resumed }
}

/// How far a reprocess run has come.
public struct ReprocessProgress: Encodable, Sendable {
    public var run: String
    public var policy: String
    /// Applications whose reprocess job is not finished.
    public var left: Int
    public var done: Bool { left == 0 }

    enum CodingKeys: String, CodingKey { case run, policy, left, done }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(policy, forKey: .policy)
        try container.encode(left, forKey: .left)
        try container.encode(done, forKey: .done)
    }
}

/// `trial --json` (SPEC §3d).
public struct TrialOutput: Encodable, Sendable {
    public struct Candidate: Encodable, Sendable {
        public var totalLimitBytes: Int64
        /// `null` when there is none, as SPEC §3d lists it.
        @NullEncodable public var fileLimitBytes: Int64?
        public var applicationsWithin: Int
        public var applicationsOver: Int
        public var shareWithin: Double
        public var bytesWithin: Int64
        public var bytesIfAllAccepted: Int64
        public var storagePerYearBytes: Double
        public var cpuHoursPerYear: Double
    }
    public struct Assumptions: Encodable, Sendable {
        public var applicationsPerYear: Double
        public var rate: String
        public var secondsPerFile: Double
        public var secondsPerMb: Double
        public var secondsPerPage: Double
        public var cost: String
    }
    public var source: String
    public var applications: Int
    public var files: Int
    public var candidates: [Candidate]
    public var percentilesApplicationBytes: [String: Int64]
    public var assumptions: Assumptions
    public var elapsedSeconds: Double

    public init(_ result: TrialReport, source: String, elapsedSeconds: Double) {
        self.source = source
        applications = result.applications
        files = result.files
        candidates = result.outcomes.map {
            Candidate(
                totalLimitBytes: $0.candidate.totalLimit.bytes, fileLimitBytes: $0.candidate.fileLimit?.bytes,
                applicationsWithin: $0.applicationsWithin, applicationsOver: $0.applicationsOver,
                shareWithin: $0.shareWithin, bytesWithin: $0.bytesWithin, bytesIfAllAccepted: $0.bytesIfAllAccepted,
                storagePerYearBytes: $0.storagePerYearBytes, cpuHoursPerYear: $0.cpuSecondsPerYear / 3600)
        }
        percentilesApplicationBytes = [
            "p50": result.percentiles.p50, "p90": result.percentiles.p90, "p99": result.percentiles.p99,
        ]
        assumptions = Assumptions(
            applicationsPerYear: result.applicationsPerYear, rate: result.rateBasis,
            secondsPerFile: result.cost.secondsPerFile, secondsPerMb: result.cost.secondsPerMB,
            secondsPerPage: result.cost.secondsPerPage, cost: result.cost.basis)
        self.elapsedSeconds = elapsedSeconds
    }
}

/// An upload as `GET /v1/uploads/{id}`, the events stream and webhooks show it: SPEC §3b's upload object and its
/// state.
public struct UploadResource: Encodable, Sendable {
    public var upload: ApplicationReport.Upload
    /// `queued`, `processing`, `accepted`, `rejected` or `failed`.
    public var state: String

    public init(_ status: UploadStatus) {
        upload = ApplicationReport.upload(status)
        state = Self.state(status)
    }

    public static func state(_ status: UploadStatus) -> String {
        switch status.job?.state {
        case .succeeded?, nil:
            if status.items.isEmpty { return status.job == nil ? "accepted" : "failed" }
            return status.items.contains { $0.latest?.verdict == .rejected } ? "rejected" : "accepted"
        case .dead?: return "failed"
        case .running?: return "processing"
        case .queued?, .retrying?: return "queued"
        }
    }

    public static func isFinal(_ status: UploadStatus) -> Bool {
        ["accepted", "rejected", "failed"].contains(state(status))
    }

    enum CodingKeys: String, CodingKey { case state }

    public func encode(to encoder: any Encoder) throws {
        try upload.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }
}
