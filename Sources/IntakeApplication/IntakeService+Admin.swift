import Foundation
import IntakeCore
import IntakeStore
import IntakeStorePostgres
import IntakeWorker

extension IntakeService {
    // MARK: Reprocessing

    /// The would-be verdicts of every item of the selected applications under the current policy, against their
    /// current ones: only the items whose verdict would change. Writes nothing.
    public func reprocessDryRun(_ selection: ReprocessSelection) async throws(IntakeError) -> ReprocessDryRun {
        let processor = UploadProcessor(policy: policy)
        var examined = 0
        var changes: [ReprocessDryRun.Change] = []
        let applications = try await storing { try await storage.applications(matching: selection) }
        for batch in ReprocessBatch.batches(applications) {
            let entriesByApplication = try await storing { try await storage.replayEntries(applicationIds: batch) }
            for application in batch {
                let entries = entriesByApplication[application] ?? []
                examined += entries.count
                changes += dryRunChanges(application: application, entries: entries, processor: processor)
            }
        }
        return ReprocessDryRun(examined: examined, policy: policy.version, changes: changes)
    }

    /// The items of one application whose verdict the current policy would change.
    private func dryRunChanges(application: String, entries: [ReplayEntry], processor: UploadProcessor)
        -> [ReprocessDryRun.Change]
    {
        zip(entries, processor.replay(entries)).compactMap { entry, result in
            guard result.verdict != entry.latest.verdict else { return nil }
            let before = Set(entry.latest.findings.filter { $0.severity == .error }.map(\.code.rawValue))
            let after = Set(result.findings.filter { $0.severity == .error }.map(\.code.rawValue))
            return ReprocessDryRun.Change(
                application: application, upload: entry.upload.id, item: entry.item.id,
                file: entry.upload.fileName, from: entry.latest.verdict, to: result.verdict,
                codes: before.symmetricDifference(after).sorted())
        }
    }

    /// Queues a low-priority reprocess job for each selected application not already judged under this policy;
    /// an interrupted run resumes its unfinished jobs. A worker does them.
    public func startReprocess(_ selection: ReprocessSelection) async throws(IntakeError) -> ReprocessRun {
        let applications = try await storing { try await storage.applications(matching: selection) }
        let result = try await storing {
            try await storage.enqueueReprocess(
                applicationIds: applications, policyVersion: policy.version, maxAttempts: settings.worker.maxAttempts)
        }
        if result.enqueued > 0 { wakeup?.signal() }
        return ReprocessRun(
            run: "RP-\(policy.version)", selected: applications.count, queued: result.enqueued,
            resumed: result.alreadyQueued,
            upToDate: result.upToDate)
    }

    /// A run's progress: its reprocess jobs not finished yet. Only the run of the policy in force is known.
    public func reprocessProgress(run: String) async throws(IntakeError) -> ReprocessProgress {
        guard run == "RP-\(policy.version)" else { throw IntakeError(.notFound, "no reprocess run \(run)") }
        return ReprocessProgress(run: run, policy: policy.version, left: try await reprocessJobsLeft())
    }

    /// Reprocess jobs not finished yet: a run's progress.
    public func reprocessJobsLeft() async throws(IntakeError) -> Int {
        try await storing { try await storage.unfinishedReprocessApplications() }
    }

    // MARK: The queue

    /// Jobs in `state` (the dead ones, for an admin to look at), newest first.
    public func jobs(in state: JobState, limit: Int = 100) async throws(IntakeError) -> [JobSummary] {
        try await storing { try await storage.jobs(in: state, limit: limit) }.map(JobSummary.init)
    }

    /// Puts a dead job back in the queue (after fixing what killed it: a missing model, a full disk).
    public func retryJob(_ id: String) async throws(IntakeError) -> JobSummary {
        guard try await storing({ try await storage.retry(jobId: id) }) else {
            throw IntakeError(.notFound, "no dead job \(id)")
        }
        return JobSummary(try await job(id))
    }

    /// One job as status reports show it: how the admin page follows a retried job to its end.
    public func jobSummary(_ id: String) async throws(IntakeError) -> JobSummary {
        JobSummary(try await job(id))
    }

    /// The finding codes of uploads from the last `days` days, most frequent first (then by code): what applicants
    /// are being told, for the admin page's chart.
    public func recentFindings(days: Int, now: Date = Date()) async throws(IntakeError) -> RecentFindings {
        let since = now.addingTimeInterval(-Double(days) * 86_400)
        let counts = try await storing { try await storage.findingCounts(uploadedSince: since.timeIntervalSince1970) }
        return RecentFindings(
            days: days, since: Timestamps.iso8601(since.timeIntervalSince1970),
            codes: counts.map { RecentFindings.Count(code: $0.key, items: $0.value) }.sorted {
                ($0.items, $1.code) > ($1.items, $0.code)
            })
    }

    /// How many jobs are in each state.
    public func queueDepth() async throws(IntakeError) -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: try await storing { try await storage.jobCounts() }.map {
                ($0.key.rawValue, $0.value)
            })
    }

    // MARK: Trials

    /// Where a trial's applications come from.
    public enum TrialSource: Sendable {
        /// The applications in the store, with the cost model fitted from their recorded inspections.
        case store
        /// `application_id,slot,bytes[,pages][,submitted_at]` rows; `name` labels the report.
        case csv(bytes: [UInt8], name: String)
    }

    /// What the candidate limits would mean for the applications, storage and worker time. Changes no verdict.
    public func trial(candidates: [TrialCandidate], source: TrialSource) async throws(IntakeError) -> TrialReport {
        let applications: [TrialApplication]
        let label: String
        var cost: ProcessingCost?
        switch source {
        case .csv(let bytes, let name):
            do {
                applications = try TrialCSV.parse(bytes)
            } catch {
                throw IntakeError(.invalidRequest, "\(name): \(error)")
            }
            label = "CSV \(name)"
        case .store:
            applications = try await storing { try await storage.trialApplications() }
            cost = ProcessingCost.fitted(
                samples: try await storing { try await storage.processingSamples(limit: 100_000) })
            label = "the store (\(settings.storage.dataFolder))"
        }
        return Trial.run(
            source: label, applications: applications, candidates: candidates,
            cost: cost ?? settings.trial.configuredCost,
            assumedApplicationsPerYear: Double(settings.trial.applicationsPerYear))
    }
}

extension IntakeService {
    // MARK: Schema

    /// Brings the store's schema up to date and says which store it is (`intake migrate`). SQLite migrates when
    /// it opens, so by now it is current; PostgreSQL migrates here, under its advisory lock, as it would before
    /// its first operation.
    public func migrate() async throws(IntakeError) -> String {
        if let postgres = try storage as? PostgresStore {
            try await storing { try await postgres.migrate() }
        }
        return settings.storage.store.description
    }
}
