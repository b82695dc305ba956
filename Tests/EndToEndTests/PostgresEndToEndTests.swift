import Foundation
import Glibc
import IntakeTestSupport
import IntakeTesting
import Testing

/// The real binary on `store.url = postgres://…`: migrations from several processes at once, the commands, and two
/// worker processes sharing one queue while one of them is killed.
@Suite("PostgreSQL end to end", .serialized)
struct PostgresEndToEndTests {
    /// A binary whose store is a fresh database on the test server, with its URL for `psql`.
    func binary(_ environment: [String: String] = [:]) throws -> (IntakeBinary, url: String) {
        let url = try PostgresServer.makeDatabaseURL()
        return (IntakeBinary(environment: environment.merging(["INTAKE_STORE_URL": url]) { $1 }), url)
    }

    /// One value from the database, read with `psql` as an operator would.
    func scalar(_ url: String, _ sql: String) -> String {
        TestSupport.run("/usr/bin/psql", ["-X", "-At", url, "-c", sql]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("Four processes migrating one new database at once all succeed, and each migration is applied once")
    func concurrentMigrations() async throws {
        let (intake, url) = try binary()
        let processes = try (0..<4).map { _ in try intake.start(["migrate"]) }
        for process in processes {
            await Task.detached { process.waitUntilExit() }.value
            #expect(process.terminationStatus == 0)
        }
        #expect(scalar(url, "SELECT COUNT(*) = COUNT(DISTINCT version) FROM schema_migrations") == "t")
        #expect(scalar(url, "SELECT to_regclass('jobs') IS NOT NULL") == "t")
        let again = intake.run(["migrate"])
        #expect(again.status == 0)
        #expect(again.standardOutput.contains("schema up to date: postgres://postgres@127.0.0.1"))
    }

    @Test("Submit, work until empty and status give the same verdicts on PostgreSQL as on SQLite")
    func submitWorkStatus() throws {
        let (intake, _) = try binary()
        let report = try #require(
            try intake.json(
                ["submit", "--application", "APP-1", "--uploader", "emp-1", "--attachment"]
                    + ["plain.pdf", "r4-noprint.pdf", "jpeg.pdf"].map(TestSupport.corpusFile)) as? [String: Any])
        #expect((report["receipt"] as? String)?.hasPrefix("R-") == true)
        let work = intake.run(["work", "--until-empty"])
        #expect(work.status == 0, "\(work.standardError)")
        let status = try #require(try intake.json(["status", "APP-1"]) as? [String: Any])
        let uploads = try #require(status["uploads"] as? [[String: Any]])
        var verdicts: [String: (String, [String])] = [:]
        for upload in uploads {
            #expect((upload["job"] as? [String: Any])?["state"] as? String == "succeeded")
            let item = try #require((upload["items"] as? [[String: Any]])?.first)
            let codes = (item["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
            verdicts[upload["file"] as! String] = (item["verdict"] as! String, codes)
        }
        #expect(verdicts["plain.pdf"]?.0 == "accepted")
        #expect(verdicts["r4-noprint.pdf"]?.1 == ["pdf.print_restricted"])
        #expect(verdicts["jpeg.pdf"]?.1 == ["file.type_not_allowed", "file.name_mismatch"])
    }

    @Test(
        "Two worker processes share one queue; one killed with SIGKILL mid-queue, the other finishes: every upload has exactly one verdict"
    )
    func twoWorkersOneKilled() async throws {
        let (intake, url) = try binary(["INTAKE_QUEUE_LEASE": "2s", "INTAKE_QUEUE_POLL_INTERVAL": "50ms"])
        // 350 jobs; the second worker starts once the first has done 10, and both work 10 more before the kill.
        let applications = (1...10).map { "APP-\($0)" }
        for application in applications {
            let submitted = intake.run(
                ["submit", "--application", application, "--uploader", "emp-1", "--attachment"]
                    + QueueEndToEndTests.corpusNames.map(TestSupport.corpusFile))
            #expect(submitted.status <= 1, "\(submitted.standardError)")
        }
        let total = applications.count * QueueEndToEndTests.corpusNames.count
        let deadline = Date().addingTimeInterval(60)
        // Counted with the workers stopped (SIGSTOP), so that no job ends between the reading and the step it
        // decides: under the suite's load one psql run can take longer than the workers need for the whole queue.
        let succeededWhilePaused = { [self] (workers: [Process]) in
            for worker in workers { kill(worker.processIdentifier, SIGSTOP) }
            return await TestSupport.detached {
                Int(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'")) ?? 0
            }
        }
        let resume = { (workers: [Process]) in for worker in workers { kill(worker.processIdentifier, SIGCONT) } }
        let doomed = try intake.start(["work", "--concurrency", "2"])
        var done = 0
        while Date() < deadline {
            done = await succeededWhilePaused([doomed])
            if done >= 10 { break }
            resume([doomed])
            try await Task.sleep(for: .milliseconds(5))
        }
        let survivor = try intake.start(["work", "--until-empty", "--concurrency", "2"])
        resume([doomed])
        // Both at work on the one queue for a while, then the first is killed holding its leases.
        let shared = done + 10
        while Date() < deadline {
            done = await succeededWhilePaused([doomed, survivor])
            if done >= shared { break }
            resume([doomed, survivor])
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(doomed.processIdentifier, SIGKILL)
        await Task.detached { doomed.waitUntilExit() }.value
        let atKill = Int(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'")) ?? 0
        resume([survivor])
        #expect(atKill >= 20 && atKill < total, "killed mid-queue (\(atKill) done)")
        await Task.detached { survivor.waitUntilExit() }.value
        #expect(survivor.terminationStatus == 0)
        #expect(scalar(url, "SELECT COUNT(*) FROM uploads") == "\(total)")
        #expect(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'") == "0")
        #expect(
            scalar(url, "SELECT COUNT(*) FROM (SELECT item_id FROM verdicts GROUP BY item_id HAVING COUNT(*) <> 1) x")
                == "0", "no item has a second verdict")
        #expect(
            scalar(url, "SELECT COUNT(*) FROM uploads u WHERE NOT EXISTS (SELECT 1 FROM items WHERE upload_id = u.id)")
                == "0", "every upload has its verdict")
    }

    @Test("An idle worker polling once a minute is woken by LISTEN/NOTIFY when another process submits")
    func notifiedWorker() async throws {
        let (intake, url) = try binary(["INTAKE_QUEUE_POLL_INTERVAL": "60s"])
        let worker = try intake.start(["work"])
        defer {
            kill(worker.processIdentifier, SIGTERM)
            worker.waitUntilExit()
        }
        // Past the worker's first (empty) claim, so only a notification can bring it back within the minute.
        try await Task.sleep(for: .seconds(1))
        let submitted = intake.run(
            [
                "submit", "--application", "APP-1", "--uploader", "emp-1", "--attachment",
                TestSupport.corpusFile("plain.pdf"),
            ])
        #expect(submitted.status == 0, "\(submitted.standardError)")
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(20),
            scalar(url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'") != "1"
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'") == "1")
        #expect(ContinuousClock.now - start < .seconds(20), "judged long before the next poll")
    }

    @Test(
        "PostgreSQL restarted in the middle of a queue: the worker keeps running, jobs in flight fail transiently and retry, and every upload ends with exactly one verdict"
    )
    func databaseRestart() async throws {
        let server = try PostgresServer()
        defer { try? server.stop() }
        let url = try server.makeDatabaseURL()
        let intake = IntakeBinary(environment: [
            "INTAKE_STORE_URL": url, "INTAKE_QUEUE_LEASE": "3s", "INTAKE_QUEUE_POLL_INTERVAL": "50ms",
            "INTAKE_QUEUE_BACKOFF_BASE": "100ms", "INTAKE_QUEUE_BACKOFF_MAX": "1s", "INTAKE_QUEUE_MAX_ATTEMPTS": "20",
        ])
        let applications = ["APP-1", "APP-2", "APP-3", "APP-4"]
        for application in applications {
            let submitted = intake.run(
                ["submit", "--application", application, "--uploader", "emp-1", "--attachment"]
                    + QueueEndToEndTests.corpusNames.map(TestSupport.corpusFile))
            #expect(submitted.status <= 1, "\(submitted.standardError)")
        }
        let total = applications.count * QueueEndToEndTests.corpusNames.count
        let worker = try intake.start(["work", "--until-empty", "--concurrency", "2"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, Int(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'")) ?? 0 < 10 {
            try await Task.sleep(for: .milliseconds(5))
        }
        try server.stop()
        try await Task.sleep(for: .seconds(2))
        #expect(worker.isRunning, "the worker outlives the database")
        try server.restart()
        await Task.detached { worker.waitUntilExit() }.value
        #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
        #expect(scalar(url, "SELECT COUNT(*) FROM uploads") == "\(total)")
        #expect(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'") == "0")
        #expect(
            scalar(url, "SELECT COUNT(*) FROM (SELECT item_id FROM verdicts GROUP BY item_id HAVING COUNT(*) <> 1) x")
                == "0", "no item has a second verdict")
        #expect(
            scalar(url, "SELECT COUNT(*) FROM uploads u WHERE NOT EXISTS (SELECT 1 FROM items WHERE upload_id = u.id)")
                == "0", "every upload has its verdict")
    }

    @Test(
        "blobs.url = postgres: an API host and a worker host with data folders of their own share nothing but the database"
    )
    func blobsInDatabase() throws {
        let url = try PostgresServer.makeDatabaseURL()
        let environment = ["INTAKE_STORE_URL": url, "INTAKE_BLOBS_URL": "postgres"]
        let api = IntakeBinary(environment: environment)
        let worker = IntakeBinary(environment: environment)
        let submitted = api.run(
            ["submit", "--application", "APP-1", "--uploader", "emp-1", "--attachment"]
                + ["plain.pdf", "r4-noprint.pdf"].map(TestSupport.corpusFile))
        #expect(submitted.status == 0, "\(submitted.standardError)")
        #expect(scalar(url, "SELECT COUNT(*) FROM blobs") == "2")
        let work = worker.run(["work", "--until-empty"])
        #expect(work.status == 0, "\(work.standardError)")
        let status = try #require(try worker.json(["status", "APP-1"]) as? [String: Any])
        let uploads = try #require(status["uploads"] as? [[String: Any]])
        let verdicts = uploads.compactMap { ($0["items"] as? [[String: Any]])?.first?["verdict"] as? String }
        #expect(verdicts.sorted() == ["accepted", "rejected"])
        for folder in [api.data, worker.data] {
            let files = FileManager.default.subpaths(atPath: folder.path) ?? []
            // A blob on disk would be named by its SHA-256; a local copy or spool would sit in a scratch folder.
            let names = files.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
            #expect(names.allSatisfy { $0.count != 64 && !$0.hasPrefix("scratch.") }, "no blob on disk: \(files)")
        }
    }

    @Test("A store.url that cannot be used is one line naming what is wrong, without its password; exit status 2")
    func badLocations() {
        let noDatabase = IntakeBinary(environment: ["INTAKE_STORE_URL": "postgres://intake:hunter2@db.internal/"])
        let refused = noDatabase.run(["migrate"])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("store.url: no database name"))
        #expect(!refused.standardError.contains("hunter2"))
        let blobsWithoutPostgres = IntakeBinary(environment: ["INTAKE_BLOBS_URL": "postgres"])
        let mismatch = blobsWithoutPostgres.run(["migrate"])
        #expect(mismatch.status == 2)
        #expect(mismatch.standardError.contains("blobs.url = postgres needs store.url = postgres://"))
        let unknown = IntakeBinary(environment: ["INTAKE_STORE_URL": "mysql://u@h/d"]).run(["migrate"])
        #expect(unknown.status == 2 && unknown.standardError.contains("store.url"))
    }
}
