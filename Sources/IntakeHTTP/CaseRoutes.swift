import Foundation
import HTTPTypes
import Hummingbird
import IntakeApplication
import IntakeCore
import IntakeStore

/// Applications and cases: status, case documents' list, grants and states.
struct CaseRoutes {
    let service: IntakeService

    struct GrantRequest: Decodable { var uploader: String }
    struct StateRequest: Decodable { var state: CaseState }

    func register(in router: RouterGroup<IntakeRequestContext>) {
        router.get("applications/:application") { _, context in
            let caller = try context.caller(needing: .upload)
            let status = try await service.applicationStatus(
                try context.parameters.require("application"), for: caller)
            return try json(ApplicationReport(status, policy: service.policy), status: .ok)
        }
        router.get("cases/:receipt") { _, context in
            let caller = try context.caller(needing: .upload)
            let view = try await service.caseView(receipt: try context.parameters.require("receipt"), for: caller)
            return try json(CaseReport(view, policy: service.policy), status: .ok)
        }
        router.post("cases/:receipt/grants") { request, context in
            let caller = try context.caller(needing: .upload)
            let grant = try await request.decode(as: GrantRequest.self, context: context)
            let receipt = try context.parameters.require("receipt")
            let isNew = try await service.grant(receipt: receipt, uploader: grant.uploader, by: caller)
            return try json(["receipt": receipt, "uploader": grant.uploader], status: isNew ? .created : .ok)
        }
        router.put("cases/:receipt/state") { request, context in
            let caller = try context.caller(needing: .review)
            let change = try await request.decode(as: StateRequest.self, context: context)
            let receipt = try context.parameters.require("receipt")
            _ = try await service.setCaseState(receipt: receipt, to: change.state, actor: caller.actorName)
            let view = try await service.caseView(receipt: receipt, for: caller)
            return try json(CaseReport(view, policy: service.policy), status: .ok)
        }
    }
}

/// Admin: reprocessing, trials (JSON, or the HTML report for `Accept: text/html`), the queue and dead jobs.
struct AdminRoutes {
    let service: IntakeService

    /// `{"application"|"code"|"since"|"all": …, "dry_run": bool}`: exactly one selection.
    struct ReprocessRequest: Decodable {
        var application: String?
        var code: String?
        var since: String?
        var all: Bool?
        var dryRun: Bool?

        func selection() throws -> ReprocessSelection {
            var chosen: [ReprocessSelection] = []
            if let application { chosen.append(.application(application)) }
            if let code { chosen.append(.code(code)) }
            if let since {
                guard let time = parseTimestamp(since) else {
                    throw Problem.invalidRequest(
                        "since must be a date such as 2026-01-05"
                            + ".", ja: "since は 2026-01-05 のような日付で指定してください。")
                }
                chosen.append(.since(time))
            }
            if all == true { chosen.append(.all) }
            guard chosen.count == 1 else {
                throw Problem.invalidRequest(
                    "Choose exactly one of application, code, since, all.",
                    ja: "application・code・since・all のうち 1 つだけを指定してください。")
            }
            return chosen[0]
        }
    }

    struct TrialRequest: Decodable {
        var totalLimits: [String]
        var fileLimits: [String]?
    }

    func register(in router: RouterGroup<IntakeRequestContext>) {
        router.post("admin/reprocess") { request, context in
            _ = try context.caller(needing: .admin)
            let body = try await request.decode(as: ReprocessRequest.self, context: context)
            if body.dryRun == true {
                return try json(try await service.reprocessDryRun(try body.selection()), status: .ok)
            }
            let run = try await service.startReprocess(try body.selection())
            return try json(run, status: .accepted, location: "/v1/admin/reprocess/\(run.run)")
        }
        router.get("admin/reprocess/:run") { _, context in
            _ = try context.caller(needing: .admin)
            return try json(
                try await service.reprocessProgress(run: try context.parameters.require("run")), status: .ok)
        }
        router.get("admin/jobs") { request, context in
            _ = try context.caller(needing: .admin)
            let name = request.uri.queryParameters.get("state") ?? "dead"
            guard let state = JobState(rawValue: name) else {
                throw Problem.invalidRequest(
                    "state must be queued, running, succeeded, retrying or dead.",
                    ja: "state は queued・running・succeeded・retrying・dead のいずれかです。")
            }
            return try json(
                JobsDocument(jobs: try await service.jobs(in: state), depth: try await service.queueDepth()),
                status: .ok)
        }
        router.get("admin/jobs/:job") { _, context in
            _ = try context.caller(needing: .admin)
            return try json(try await service.jobSummary(try context.parameters.require("job")), status: .ok)
        }
        router.get("admin/findings") { request, context in
            _ = try context.caller(needing: .admin)
            let text = request.uri.queryParameters.get("days") ?? "30"
            guard let days = Int(text), (1...3660).contains(days) else {
                throw Problem.invalidRequest(
                    "days must be a whole number from 1 to 3660.",
                    ja: "days は 1〜3660 の整数で指定して" + "ください。")
            }
            return try json(try await service.recentFindings(days: days), status: .ok)
        }
        router.post("admin/jobs/:job/retry") { _, context in
            _ = try context.caller(needing: .admin)
            return try json(try await service.retryJob(try context.parameters.require("job")), status: .ok)
        }
        router.post("admin/trials") { request, context in
            _ = try context.caller(needing: .admin)
            let trial = try await request.decode(as: TrialRequest.self, context: context)
            let started = Date()
            let result = try await service.trial(candidates: try candidates(trial), source: .store)
            if request.headers[.accept]?.contains("text/html") == true {
                let page = TrialReportPage.render(result, generatedAt: Date())
                return Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: page)))
            }
            return try json(
                TrialOutput(result, source: "store", elapsedSeconds: Date().timeIntervalSince(started)), status: .ok)
        }
    }

    /// The jobs in one state, and how many there are in each.
    struct JobsDocument: Encodable {
        var jobs: [JobSummary]
        var depth: [String: Int]
    }

    func candidates(_ trial: TrialRequest) throws -> [TrialCandidate] {
        func sizes(_ texts: [String]) throws -> [ByteSize] {
            try texts.map { text in
                guard let size = ByteSize(parsing: text) else {
                    throw Problem.invalidRequest(
                        "“\(text)” is not a size with a unit, e.g. 20MB"
                            + ".", ja: "「\(text)」は 20MB のような単位付きの大きさではありません。")
                }
                return size
            }
        }
        let totals = try sizes(trial.totalLimits)
        let files = try sizes(trial.fileLimits ?? [])
        guard !totals.isEmpty, files.isEmpty || files.count == 1 || files.count == totals.count else {
            throw Problem.invalidRequest(
                "Give at least one total limit, and one file limit or one per total limit.",
                ja: "total_limits を 1 つ以上、file_limits は 1 つか total_limits と同じ数だけ指定し"
                    + "てください。")
        }
        return totals.enumerated().map { index, total in
            TrialCandidate(totalLimit: total, fileLimit: files.isEmpty ? nil : files[files.count == 1 ? 0 : index])
        }
    }
}
