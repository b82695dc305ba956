import Foundation
import Glibc
import IntakeTestSupport
import IntakeTesting
import Testing

/// Several hosts, made by the test with network namespaces and veth pairs on one bridge: PostgreSQL in a namespace
/// of its own, and worker processes in namespaces of their own, each with its own empty data folder and the blobs
/// in PostgreSQL. The test process plays the API host from the root namespace. One worker is killed with SIGKILL
/// mid-queue; another's link is cut until its leases expire, so its jobs are completed elsewhere, and what it tries
/// to record for them once the link is back is refused or fails. PostgreSQL is restarted under a queue of 200.
@Suite("Many hosts end to end", .serialized)
struct ManyHostsEndToEndTests {
    /// A bridge in the root namespace on `10.77.0.0/24` (the root namespace is `.254`), joining the hosts.
    final class Network {
        let bridge: String
        let tag: String
        private(set) var hosts: [Host] = []
        static let address = "10.77.0.254"

        init() throws {
            tag = "\(getpid() % 100_000)"
            bridge = "ib\(tag)"
            try Host.ip("link", "add", bridge, "type", "bridge")
            try Host.ip("addr", "add", "\(Self.address)/24", "dev", bridge)
            try Host.ip("link", "set", bridge, "up")
        }

        /// A new host at `10.77.0.<index>`.
        func addHost(index: Int) throws -> Host {
            let host = try Host(index: index, tag: tag, bridge: bridge)
            hosts.append(host)
            return host
        }

        deinit {
            for host in hosts { host.remove() }
            _ = try? Host.ip("link", "del", bridge)
        }
    }

    /// A namespace joined to the bridge by a veth pair, at `10.77.0.<index>`.
    struct Host {
        let name: String
        let rootSide: String
        let address: String

        init(index: Int, tag: String, bridge: String) throws {
            address = "10.77.0.\(index)"
            name = "intake\(tag)-\(index)"
            rootSide = "vi\(tag)\(index)"
            let hostSide = "vp\(tag)\(index)"
            try Self.ip("netns", "add", name)
            try Self.ip("link", "add", rootSide, "type", "veth", "peer", "name", hostSide)
            try Self.ip("link", "set", hostSide, "netns", name)
            try Self.ip("link", "set", rootSide, "master", bridge)
            try Self.ip("link", "set", rootSide, "up")
            try Self.ip("netns", "exec", name, "ip", "addr", "add", "\(address)/24", "dev", hostSide)
            try Self.ip("netns", "exec", name, "ip", "link", "set", hostSide, "up")
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

    /// PostgreSQL on a host of its own, reached by every other host (and the root namespace) over the bridge.
    struct DatabaseHost {
        let server: PostgresServer
        let url: String
        static let environment = [
            "INTAKE_BLOBS_URL": "postgres", "INTAKE_QUEUE_LEASE": "2s", "INTAKE_QUEUE_POLL_INTERVAL": "50ms",
            "INTAKE_QUEUE_BACKOFF_BASE": "100ms", "INTAKE_QUEUE_BACKOFF_MAX": "1s", "INTAKE_QUEUE_MAX_ATTEMPTS": "20",
        ]

        init(on host: Host) throws {
            server = try PostgresServer(
                alsoListeningOn: [host.address], trustedNetwork: "10.77.0.0/24", namespace: host.name)
            let database = try server.makeDatabase().database
            url = "postgres://postgres@\(host.address):\(server.port)/\(database)?sslmode=disable"
        }

        /// A binary with an empty data folder of its own whose store is this database.
        func binary() -> IntakeBinary {
            IntakeBinary(environment: Self.environment.merging(["INTAKE_STORE_URL": url]) { $1 })
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

    /// `count` uploads through the API host's `intake submit`, the corpus over and over in applications of 35.
    func submit(uploads count: Int, through api: IntakeBinary) -> Int {
        let names = QueueEndToEndTests.corpusNames
        for (index, start) in stride(from: 0, to: count, by: names.count).enumerated() {
            let files = names.prefix(min(names.count, count - start)).map(TestSupport.corpusFile)
            let submitted = api.run(
                ["submit", "--application", "APP-\(index + 1)", "--uploader", "emp-1", "--attachment"] + files)
            #expect(submitted.status <= 1, "\(submitted.standardError)")
        }
        return count
    }

    /// Every upload has its verdict, every job succeeded, and no item has a second verdict.
    func expectOneVerdictEach(_ url: String, uploads total: Int) {
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
        "Three worker hosts around one PostgreSQL: one killed with SIGKILL, one cut off past its leases; every upload ends with exactly one verdict, and the cut worker's late results do not count"
    )
    func killedAndCutOff() async throws {
        let network = try Network()
        defer { withExtendedLifetime(network) {} }
        let database = try DatabaseHost(on: try network.addHost(index: 1))
        defer { try? database.server.stop() }
        let hosts = try (2...4).map { try network.addHost(index: $0) }
        let local = database.url
        let total = submit(uploads: 4 * QueueEndToEndTests.corpusNames.count, through: database.binary())
        let logs = TestSupport.makeTemporaryDirectory(prefix: "hosts")
        let killed = try hosts[0].start(
            database.binary(), ["work", "--concurrency", "2"], log: logs.appendingPathComponent("1"))
        let cutLog = logs.appendingPathComponent("2")
        let cut = try hosts[1].start(database.binary(), ["work", "--concurrency", "2"], log: cutLog)
        let survivor = try hosts[2].start(
            database.binary(), ["work", "--until-empty", "--concurrency", "2"], log: logs.appendingPathComponent("3"))

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

        expectOneVerdictEach(local, uploads: total)
        if heldAtCut > 0 {
            // What the cut worker was told about the jobs it held: its late result was refused by the lease fence
            // (another worker had them), or its transaction was ended by the server and the job was retried.
            let log = ((try? String(contentsOf: cutLog, encoding: .utf8)) ?? "").lowercased()
            #expect(
                log.contains("lease lost") || log.contains("job failed"),
                "the cut worker held \(heldAtCut) jobs; none of its results from before the cut counted")
        }
    }

    @Test(
        "PostgreSQL on its own host restarted in the middle of a queue of 200 uploads: two worker hosts keep running, and every upload ends with exactly one verdict"
    )
    func databaseRestartUnderTwoHosts() async throws {
        let network = try Network()
        defer { withExtendedLifetime(network) {} }
        let database = try DatabaseHost(on: try network.addHost(index: 1))
        defer { try? database.server.stop() }
        let hosts = try (2...3).map { try network.addHost(index: $0) }
        let total = submit(uploads: 200, through: database.binary())
        let logs = TestSupport.makeTemporaryDirectory(prefix: "hosts")
        let workers = try hosts.enumerated().map { index, host in
            try host.start(
                database.binary(), ["work", "--until-empty", "--concurrency", "2"],
                log: logs.appendingPathComponent("\(index)"))
        }
        try await waitUntil(database.url, succeeded: 40)
        try database.server.stop()
        try await Task.sleep(for: .seconds(2))
        #expect(workers.allSatisfy { $0.isRunning }, "the workers outlive the database")
        try database.server.restart()
        for worker in workers {
            await Task.detached { worker.waitUntilExit() }.value
            #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
        }
        #expect(succeeded(database.url) == total)
        expectOneVerdictEach(database.url, uploads: total)
    }
}
