import Foundation
import Glibc
import IntakeTestSupport
import IntakeTesting
import Testing

/// Several hosts, made by the test with network namespaces and veth pairs: PostgreSQL in the root namespace, three
/// worker processes in three namespaces of their own, each with its own empty data folder and the blobs in
/// PostgreSQL. One worker is killed with SIGKILL mid-queue; another's link is cut until its leases expire, so its
/// jobs are completed elsewhere, and what it tries to record for them once the link is back is refused or fails.
@Suite("Many hosts end to end", .serialized)
struct ManyHostsEndToEndTests {
    /// A namespace joined to the root namespace by a veth pair on `10.77.<index>.0/24`.
    struct Host {
        let name: String
        let rootSide: String
        let index: Int
        var serverAddress: String { "10.77.\(index).1" }

        init(index: Int) throws {
            self.index = index
            let tag = "\(getpid() % 100_000)\(index)"
            name = "intake\(tag)"
            rootSide = "vi\(tag)"
            try Self.ip("netns", "add", name)
            try Self.ip("link", "add", rootSide, "type", "veth", "peer", "name", "vp\(tag)")
            try Self.ip("link", "set", "vp\(tag)", "netns", name)
            try Self.ip("addr", "add", "\(serverAddress)/24", "dev", rootSide)
            try Self.ip("link", "set", rootSide, "up")
            try Self.ip("netns", "exec", name, "ip", "addr", "add", "10.77.\(index).2/24", "dev", "vp\(tag)")
            try Self.ip("netns", "exec", name, "ip", "link", "set", "vp\(tag)", "up")
            try Self.ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        }

        func remove() {
            _ = try? Self.ip("link", "del", rootSide)
            _ = try? Self.ip("netns", "del", name)
        }

        func setLink(up: Bool) throws { try Self.ip("link", "set", rootSide, up ? "up" : "down") }

        /// `intake ARGUMENTS` inside this host's namespace, its standard error kept in `log`.
        func start(_ intake: IntakeBinary, _ arguments: [String], log: URL) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments =
                ["netns", "exec", name, TestSupport.intakeExecutable] + arguments
                + intake.commonArguments
            process.environment = ProcessInfo.processInfo.environment.merging(intake.environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            return process
        }

        @discardableResult
        static func ip(_ arguments: String...) throws -> String {
            let result = TestSupport.run("/usr/sbin/ip", arguments)
            guard result.status == 0 else {
                throw TestFailure("ip \(arguments.joined(separator: " ")): \(result.standardError)")
            }
            return result.standardOutput
        }
    }

    func scalar(_ url: String, _ sql: String) -> String {
        TestSupport.run("/usr/bin/psql", ["-X", "-At", url, "-c", sql]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func succeeded(_ url: String) -> Int {
        Int(scalar(url, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'")) ?? 0
    }

    func waitUntil(_ url: String, succeeded count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, succeeded(url) < count { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test(
        "Three worker hosts around one PostgreSQL: one killed with SIGKILL, one cut off past its leases; every upload ends with exactly one verdict, and the cut worker's late results do not count"
    )
    func killedAndCutOff() async throws {
        var hosts: [Host] = []
        defer { for host in hosts { host.remove() } }
        for index in 1...3 { hosts.append(try Host(index: index)) }
        let server = try PostgresServer(alsoListeningOn: hosts.map(\.serverAddress), trustedNetwork: "10.77.0.0/16")
        defer { try? server.stop() }
        let database = try server.makeDatabase().database
        let local = "postgres://postgres@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
        let environment = [
            "INTAKE_BLOBS_URL": "postgres", "INTAKE_QUEUE_LEASE": "2s", "INTAKE_QUEUE_POLL_INTERVAL": "50ms",
            "INTAKE_QUEUE_BACKOFF_BASE": "100ms", "INTAKE_QUEUE_BACKOFF_MAX": "1s", "INTAKE_QUEUE_MAX_ATTEMPTS": "20",
        ]
        func binary(_ host: Host?) -> IntakeBinary {
            let address = host?.serverAddress ?? "127.0.0.1"
            return IntakeBinary(
                environment: environment.merging([
                    "INTAKE_STORE_URL": "postgres://postgres@\(address):\(server.port)/\(database)?sslmode=disable"
                ]) { $1 })
        }
        let api = binary(nil)
        let applications = ["APP-1", "APP-2", "APP-3", "APP-4"]
        for application in applications {
            let submitted = api.run(
                ["submit", "--application", application, "--uploader", "emp-1", "--attachment"]
                    + QueueEndToEndTests.corpusNames.map(TestSupport.corpusFile))
            #expect(submitted.status <= 1, "\(submitted.standardError)")
        }
        let total = applications.count * QueueEndToEndTests.corpusNames.count
        let logs = TestSupport.makeTemporaryDirectory(prefix: "hosts")
        let killed = try hosts[0].start(
            binary(hosts[0]), ["work", "--concurrency", "2"], log: logs.appendingPathComponent("1"))
        let cutLog = logs.appendingPathComponent("2")
        let cut = try hosts[1].start(binary(hosts[1]), ["work", "--concurrency", "2"], log: cutLog)
        let survivor = try hosts[2].start(
            binary(hosts[2]), ["work", "--until-empty", "--concurrency", "2"], log: logs.appendingPathComponent("3"))

        try await waitUntil(local, succeeded: 10)
        kill(killed.processIdentifier, SIGKILL)
        try await waitUntil(local, succeeded: 20)
        try hosts[1].setLink(up: false)
        let heldAtCut =
            Int(
                scalar(
                    local,
                    "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_owner LIKE '%:\(cut.processIdentifier):%'"
                ))
            ?? 0
        // Past the cut worker's leases and the server's idle-transaction timeout (the lease, at least 5 s), which frees the rows a
        // transaction cut off mid-way still locks: the survivor takes its jobs over.
        try await Task.sleep(for: .seconds(8))
        try hosts[1].setLink(up: true)
        await Task.detached { survivor.waitUntilExit() }.value
        #expect(survivor.terminationStatus == 0)
        // The cut worker's stalled completions reach the server once the link is back, and are refused.
        try await Task.sleep(for: .seconds(5))
        kill(cut.processIdentifier, SIGTERM)
        await Task.detached { cut.waitUntilExit() }.value

        #expect(scalar(local, "SELECT COUNT(*) FROM uploads") == "\(total)")
        #expect(scalar(local, "SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'") == "0")
        #expect(
            scalar(local, "SELECT COUNT(*) FROM (SELECT item_id FROM verdicts GROUP BY item_id HAVING COUNT(*) <> 1) x")
                == "0", "no item has a second verdict")
        #expect(
            scalar(
                local, "SELECT COUNT(*) FROM uploads u WHERE NOT EXISTS (SELECT 1 FROM items WHERE upload_id = u.id)")
                == "0", "every upload has its verdict")
        if heldAtCut > 0 {
            // What the cut worker was told about the jobs it held: its late result was refused by the lease fence
            // (another worker had them), or its transaction was ended by the server and the job was retried.
            let log = ((try? String(contentsOf: cutLog, encoding: .utf8)) ?? "").lowercased()
            #expect(
                log.contains("lease lost") || log.contains("job failed"),
                "the cut worker held \(heldAtCut) jobs; none of its results from before the cut counted")
        }
    }
}
