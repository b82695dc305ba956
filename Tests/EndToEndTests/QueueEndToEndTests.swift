import Foundation
import Glibc
import IntakeStore
import IntakeTestSupport
import Testing

/// Submit, work and status through the real binary and the real store, including a worker killed with SIGKILL
/// and one stopped with SIGTERM.
@Suite("Queue end to end", .serialized)
struct QueueEndToEndTests {
    static let corpusNames = [
        "plain.pdf", "contract.pdf", "letter.pdf", "objstm.pdf", "r2-open.pdf", "r2-noprint.pdf", "r2-nocopy.pdf",
        "r2-user.pdf", "r3-open.pdf", "r3-noprint.pdf", "r3-lowres.pdf", "r3-nocopy.pdf", "r3-user.pdf", "r4-open.pdf",
        "r4-noprint.pdf", "r4-nocopy.pdf", "r4-user.pdf", "r5-open.pdf", "r5-noprint.pdf", "r5-user.pdf",
        "r6-open.pdf", "r6-noprint.pdf", "r6-lowres.pdf", "r6-nocopy.pdf", "r6-user.pdf", "drm-fopn.pdf",
        "drm-adobe-aps.pdf", "text.pdf", "html.pdf", "zip.pdf", "jpeg.pdf", "truncated.pdf", "zero-pages.pdf",
        "javascript.pdf", "attachment.pdf",
    ]

    func submit(_ intake: IntakeBinary, application: String, files: [String]) throws -> [String: Any] {
        let report = try intake.json(
            ["submit", "--application", application, "--uploader", "emp-1", "--attachment"]
                + files.map(TestSupport.corpusFile))
        return try #require(report as? [String: Any])
    }

    /// Every upload of the application has exactly one item with exactly one verdict, and its job succeeded.
    func expectExactlyOnce(_ intake: IntakeBinary, applications: [String], uploads expected: Int) async throws {
        let store = try intake.store()
        var total = 0
        for application in applications {
            let status = try #require(try await store.status(applicationId: application))
            for upload in status.uploads {
                total += 1
                #expect(upload.job?.state == .succeeded, "\(upload.upload.fileName): \(String(describing: upload.job))")
                #expect(upload.items.count == 1, "\(upload.upload.fileName)")
                #expect(upload.items.first?.history == 1, "\(upload.upload.fileName) has one verdict")
            }
        }
        #expect(total == expected)
        #expect(try await store.unfinishedJobs().count == 0)
    }

    func verdictCount(_ intake: IntakeBinary, applications: [String]) async throws -> Int {
        let store = try intake.store()
        var count = 0
        for application in applications {
            guard let status = try await store.status(applicationId: application) else { continue }
            count += status.uploads.reduce(0) { $0 + $1.items.reduce(0) { $0 + $1.history } }
        }
        return count
    }

    @Test("Submit, work until empty, and status show each verdict with SPEC §3b JSON")
    func submitWorkStatus() throws {
        let intake = IntakeBinary()
        let submitted = try submit(intake, application: "APP-1", files: ["plain.pdf", "r4-noprint.pdf", "jpeg.pdf"])
        #expect((submitted["receipt"] as? String)?.hasPrefix("R-") == true)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let status = try #require(try intake.json(["status", "APP-1"]) as? [String: Any])
        #expect(status["application"] as? String == "APP-1")
        let uploads = try #require(status["uploads"] as? [[String: Any]])
        #expect(uploads.count == 3)
        var verdicts: [String: (String, [String])] = [:]
        for upload in uploads {
            let job = try #require(upload["job"] as? [String: Any])
            #expect(job["state"] as? String == "succeeded")
            #expect(job["attempts"] as? Int == 1)
            let item = try #require((upload["items"] as? [[String: Any]])?.first)
            let codes = (item["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
            verdicts[upload["file"] as! String] = (item["verdict"] as! String, codes)
            #expect(item["history"] as? Int == 1)
        }
        #expect(verdicts["plain.pdf"]?.0 == "accepted")
        #expect(verdicts["r4-noprint.pdf"]?.1 == ["pdf.print_restricted"])
        #expect(verdicts["jpeg.pdf"]?.1 == ["file.type_not_allowed", "file.name_mismatch"])
        let totals = try #require(status["totals"] as? [String: Any])
        #expect(
            totals["accepted_bytes"] as? Int == uploads.first { $0["file"] as? String == "plain.pdf" }?["bytes"] as? Int
        )
        #expect(totals["total_limit_bytes"] as? Int == 25_000_000)
    }

    @Test("Submitting the same file again is recognised: same upload, same job, nothing new stored")
    func idempotentResubmission() throws {
        let intake = IntakeBinary()
        let first = try submit(intake, application: "APP-1", files: ["plain.pdf"])
        let second = try submit(intake, application: "APP-1", files: ["plain.pdf"])
        let a = try #require((first["uploads"] as? [[String: Any]])?.first)
        let b = try #require((second["uploads"] as? [[String: Any]])?.first)
        #expect(a["duplicate"] as? Bool == false)
        #expect(b["duplicate"] as? Bool == true)
        #expect(a["upload"] as? String == b["upload"] as? String)
        #expect(a["job"] as? String == b["job"] as? String)
        let blobs = FileManager.default.enumerator(atPath: intake.data.appendingPathComponent("blobs").path)?
            .compactMap { $0 as? String }.filter { $0.count > 60 && !$0.hasPrefix("tmp") }
        #expect(blobs?.count == 1)
    }

    @Test("Two uploads racing for the last allowance: two workers at once, exactly one fits")
    func applicationLimitRace() async throws {
        // plain.pdf (18 kB) and letter.pdf (17 kB) each fit 30 kB, together they do not.
        let intake = IntakeBinary(environment: ["INTAKE_LIMITS_APPLICATION_TOTAL": "30kB"])
        _ = try submit(intake, application: "APP-1", files: ["plain.pdf", "letter.pdf"])
        #expect(intake.run(["work", "--until-empty", "--concurrency", "2"]).status == 0)
        let status = try #require(try await intake.store().status(applicationId: "APP-1"))
        let verdicts = status.uploads.compactMap { $0.items.first?.latest }
        #expect(verdicts.filter { $0.verdict == .accepted }.count == 1)
        let rejected = try #require(verdicts.first { $0.verdict == .rejected })
        #expect(rejected.findings.map(\.code.rawValue) == ["size.application_over_limit"])
        #expect(status.acceptedBytes <= 30_000)
    }

    /// Sends `signal` to the worker once `count` jobs have succeeded. It watches from a thread of its own with the
    /// sqlite3 tool, not from the test's cooperative pool: other tests that wait on subprocesses can hold that
    /// pool for seconds, long enough for the worker to empty the queue before the test looks.
    func signal(_ worker: Process, _ signal: Int32, afterSucceeded count: Int, _ intake: IntakeBinary) async {
        let database = intake.data.appendingPathComponent("intake.sqlite").path
        let pid = worker.processIdentifier
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    let counts = TestSupport.run(
                        "/usr/bin/sqlite3",
                        [database, "SELECT COUNT(*), COUNT(*) FILTER (WHERE state <> 'succeeded') FROM jobs"]
                    ).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
                        .compactMap { Int($0) }
                    // An empty queue will never reach the count: signal now, and let the caller see it was late.
                    if counts.count == 2, counts[0] - counts[1] >= count || counts[1] == 0 { break }
                    usleep(1_000)
                }
                kill(pid, signal)
                continuation.resume()
            }.start()
        }
    }

    /// `count` applications, each with the whole corpus: 35 jobs each.
    func fillQueue(_ intake: IntakeBinary, count: Int = 4) throws -> [String] {
        let applications = (1...count).map { "APP-\($0)" }
        for application in applications { _ = try submit(intake, application: application, files: Self.corpusNames) }
        return applications
    }

    @Test(
        "A worker killed with SIGKILL mid-queue loses nothing: after the lease expires, every upload has exactly one verdict"
    )
    func killNine() async throws {
        let intake = IntakeBinary(environment: ["INTAKE_QUEUE_LEASE": "2s", "INTAKE_QUEUE_POLL_INTERVAL": "50ms"])
        let applications = try fillQueue(intake)
        let worker = try intake.start(["work", "--concurrency", "2"])
        await signal(worker, SIGKILL, afterSucceeded: 5, intake)
        worker.waitUntilExit()
        #expect(worker.terminationReason == .uncaughtSignal)
        let atKill = try await verdictCount(intake, applications: applications)
        #expect(
            atKill >= 5 && atKill < applications.count * Self.corpusNames.count, "killed mid-queue (\(atKill) done)")

        let finish = intake.run(["work", "--until-empty", "--concurrency", "2"])
        #expect(finish.status == 0, "\(finish.standardError)")
        try await expectExactlyOnce(
            intake, applications: applications, uploads: applications.count * Self.corpusNames.count)
    }

    @Test(
        "Twenty cycles of start, SIGKILL mid-queue and restart over one queue: every upload ends with exactly one verdict"
    )
    func killNineTwentyTimes() async throws {
        // A job held at a kill is attempted again: the poison-job bound must outlast the cycles, or a job killed
        // in several of them would be dead for the test's doing, not its content's.
        let intake = IntakeBinary(environment: [
            "INTAKE_QUEUE_LEASE": "1s", "INTAKE_QUEUE_POLL_INTERVAL": "50ms", "INTAKE_QUEUE_MAX_ATTEMPTS": "25",
        ])
        // 700 uploads: a kill can land a dozen or more jobs after it is asked for (more, the faster the worker), and
        // all twenty must still come before the queue is empty. 350 ran out once the queue got faster.
        let applications = try fillQueue(intake, count: 20)
        let uploads = applications.count * Self.corpusNames.count
        var killedMidQueue = 0
        for _ in 0..<20 {
            let before = Self.succeededJobs(intake)
            let worker = try intake.start(["work", "--concurrency", "2"])
            await signal(worker, SIGKILL, afterSucceeded: before + 3, intake)
            await Task.detached { worker.waitUntilExit() }.value
            #expect(worker.terminationReason == .uncaughtSignal)
            if Self.succeededJobs(intake) < uploads { killedMidQueue += 1 }
        }
        #expect(killedMidQueue == 20, "every kill came before the queue was empty")
        let finish = intake.run(["work", "--until-empty", "--concurrency", "2"])
        #expect(finish.status == 0, "\(finish.standardError)")
        try await expectExactlyOnce(intake, applications: applications, uploads: uploads)
    }

    /// Jobs succeeded so far, read with the sqlite3 tool as `signal` does.
    static func succeededJobs(_ intake: IntakeBinary) -> Int {
        let database = intake.data.appendingPathComponent("intake.sqlite").path
        let done = TestSupport.run(
            "/usr/bin/sqlite3", [database, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'"])
        return Int(done.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    @Test("SIGTERM stops a worker gracefully: it stops claiming, finishes what it holds, and exits 0")
    func gracefulShutdown() async throws {
        let intake = IntakeBinary(environment: ["INTAKE_QUEUE_POLL_INTERVAL": "50ms"])
        let applications = try fillQueue(intake)
        let worker = try intake.start(["work", "--concurrency", "2"])
        await signal(worker, SIGTERM, afterSucceeded: 5, intake)
        worker.waitUntilExit()
        #expect(worker.terminationReason == .exit)
        #expect(worker.terminationStatus == 0)

        let store = try intake.store()
        var running = 0
        for application in applications {
            let status = try #require(try await store.status(applicationId: application))
            running += status.uploads.filter { $0.job?.state == .running }.count
        }
        #expect(running == 0, "no job left holding a lease after a graceful stop")
        let finish = intake.run(["work", "--until-empty"])
        #expect(finish.status == 0)
        try await expectExactlyOnce(
            intake, applications: applications, uploads: applications.count * Self.corpusNames.count)
    }
}

@Suite("Storage faults")
struct StorageFaultTests {
    @Test("A blob that cannot be read is retried with backoff, then recorded as `file.unreadable`")
    func unreadableBlob() async throws {
        let intake = IntakeBinary(environment: ["INTAKE_QUEUE_MAX_ATTEMPTS": "2", "INTAKE_QUEUE_BACKOFF_BASE": "10ms"])
        let report = try #require(
            try intake.json(
                [
                    "submit", "--application", "APP-1", "--uploader", "u", "--attachment",
                    TestSupport.corpusFile("plain.pdf"),
                ]
            ) as? [String: Any])
        let sha = try #require((report["uploads"] as? [[String: Any]])?.first?["sha256"] as? String)
        let chars = Array(sha)
        let blob = intake.data.appendingPathComponent("blobs/\(String(chars[0..<2]))/\(String(chars[2..<4]))/\(sha)")
        try FileManager.default.removeItem(at: blob)
        #expect(intake.run(["work", "--until-empty"]).status == 0)
        let status = try #require(try await intake.store().status(applicationId: "APP-1"))
        let upload = try #require(status.uploads.first)
        #expect(upload.job?.state == .succeeded)
        #expect(upload.job?.attempts == 2)
        #expect(upload.items.first?.latest?.findings.map(\.code.rawValue) == ["file.unreadable"])
    }
}
