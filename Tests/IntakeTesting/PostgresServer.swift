import Foundation
import Glibc
import IntakeStorePostgres
import Synchronization

/// A real PostgreSQL 15 server for tests: in a temporary folder owned by the `postgres` user (the server refuses
/// to run as root), on a free loopback port with a socket folder of its own, stopped when the process exits. A
/// server may run inside a network namespace of its own, as a database host apart from the workers' hosts.
/// `shared` is the one most tests use, started on first use; a test that restarts or stops its server (to show
/// what a store does while the database is gone) starts one of its own.
///
/// If a server cannot start, the PostgreSQL tests fail with the reason: they never skip.
public final class PostgresServer: Sendable {
    /// Debian's PostgreSQL 15 (`apt-get install postgresql`, which `scripts/install-deps.sh` does).
    static let binaries = "/usr/lib/postgresql/15/bin"

    public let folder: String
    public let port: Int
    private let databases = Atomic<Int>(0)

    /// Started once per process; a global's lazy initialisation is thread-safe.
    private static let sharedServer: Result<PostgresServer, PostgresServerError> = Result {
        () throws(PostgresServerError) in try PostgresServer()
    }

    /// The process's shared server.
    public static func shared() throws -> PostgresServer { try sharedServer.get() }

    /// A new, empty database on the shared server.
    public static func makeDatabase() throws -> PostgresLocation { try shared().makeDatabase() }

    /// The `postgres://` URL of a new, empty database on the shared server, for end-to-end tests of the binary.
    public static func makeDatabaseURL() throws -> String { try shared().makeDatabaseURL() }

    /// A new, empty database on this server.
    public func makeDatabase() throws -> PostgresLocation {
        let name = "intake_test_\(databases.add(1, ordering: .relaxed).newValue)"
        // Through the socket folder, which a server in a network namespace of its own serves as well.
        try Self.run(
            "\(Self.binaries)/psql", "-X", "-q", "-h", "\(folder)/socket", "-p", "\(port)", "-U", "postgres", "-d",
            "postgres", "-c", "CREATE DATABASE \(name)", asPostgres: false)
        return PostgresLocation(host: "127.0.0.1", port: port, user: "postgres", database: name, sslMode: "disable")
    }

    public func makeDatabaseURL() throws -> String {
        let location = try makeDatabase()
        return "postgres://postgres@127.0.0.1:\(location.port)/\(location.database)?sslmode=disable"
    }

    /// Addresses it listens on besides loopback.
    let extraAddresses: [String]
    /// The network namespace (`ip netns`) it runs in, or nil for this process's own.
    let namespace: String?

    /// Starts a new server of its own; `alsoListeningOn` addresses (of test hosts made with network namespaces)
    /// are listened on too, and connections from `trustedNetwork` (CIDR) accepted without a password. With
    /// `namespace`, the server runs in that network namespace, where loopback is the namespace's own.
    public init(alsoListeningOn extraAddresses: [String] = [], trustedNetwork: String? = nil, namespace: String? = nil)
        throws(PostgresServerError)
    {
        self.extraAddresses = extraAddresses
        self.namespace = namespace
        guard FileManager.default.isExecutableFile(atPath: "\(Self.binaries)/initdb") else {
            throw PostgresServerError("\(Self.binaries)/initdb not found: install Debian's postgresql (make deps)")
        }
        var template = Array("/tmp/intake-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresServerError("mkdtemp failed") }
        let folder = String(cString: made)
        do {
            if getuid() == 0 {
                try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: folder)
            }
            try Self.run(
                "\(Self.binaries)/initdb", "-D", "\(folder)/data", "-A", "trust", "-U", "postgres", "--no-sync",
                "-E", "UTF8", "--locale", "C.UTF-8")
            if let trustedNetwork {
                let hba = URL(fileURLWithPath: "\(folder)/data/pg_hba.conf")
                let rules = try String(contentsOf: hba, encoding: .utf8) + "host all all \(trustedNetwork) trust\n"
                try rules.write(to: hba, atomically: false, encoding: .utf8)
            }
            try FileManager.default.createDirectory(atPath: "\(folder)/socket", withIntermediateDirectories: false)
            if getuid() == 0 {
                try FileManager.default.setAttributes(
                    [.ownerAccountName: "postgres"], ofItemAtPath: "\(folder)/socket")
            }
        } catch let error as PostgresServerError {
            throw error
        } catch {
            throw PostgresServerError("\(error)")
        }
        // A free port can be taken by someone else before the server binds it: try a few.
        var lastError: PostgresServerError?
        for _ in 0..<3 {
            let port = try Self.freeLoopbackPort()
            do {
                try Self.start(folder: folder, port: port, addresses: extraAddresses, namespace: namespace)
                self.folder = folder
                self.port = port
                Self.running.withLock { $0.insert(folder) }
                Self.stopAllAtExit
                return
            } catch let error as PostgresServerError {
                lastError = error
            } catch {
                lastError = PostgresServerError("\(error)")
            }
        }
        throw lastError ?? PostgresServerError("pg_ctl start failed")
    }

    private static func start(folder: String, port: Int, addresses: [String], namespace: String?) throws {
        // Durability is not what these tests test: no fsync makes each test's database cheap.
        let listen = (["127.0.0.1"] + addresses).joined(separator: ",")
        try run(
            inNamespace: namespace, "\(binaries)/pg_ctl", "-D", "\(folder)/data", "-w", "-l", "\(folder)/server.log",
            "-o",
            "-p \(port) -k \(folder)/socket -c listen_addresses=\(listen) -c max_connections=300 "
                + "-c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start")
    }

    /// Stops the server at once (`immediate`: as a crash or a power cut would), dropping every connection.
    public func stop() throws {
        try Self.run("\(Self.binaries)/pg_ctl", "-D", "\(folder)/data", "-m", "immediate", "-w", "stop")
    }

    /// Starts the stopped server again on the same port, with its data.
    public func restart() throws {
        try Self.start(folder: folder, port: port, addresses: extraAddresses, namespace: namespace)
    }

    /// The folders of the servers this process started; each is stopped and removed at exit.
    private static let running = Mutex<Set<String>>([])
    private static let stopAllAtExit: Void = { atexit { PostgresServer.stopAll() } }()

    private static func stopAll() {
        for folder in running.withLock({ $0 }) {
            try? run("\(binaries)/pg_ctl", "-D", "\(folder)/data", "-m", "immediate", "-w", "stop")
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Runs a command to completion, as the `postgres` user when this process is root; throws with its output
    /// when it fails. `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose wait never returned
    /// here for `pg_ctl start` (its child forks the server and exits; the exit went unnoticed, left a zombie).
    static func run(inNamespace namespace: String? = nil, _ arguments: String..., asPostgres: Bool = true) throws {
        let user = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        let command = (namespace.map { ["/usr/sbin/ip", "netns", "exec", $0] } ?? []) + user + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("intake-pg-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw PostgresServerError("cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED and WEXITSTATUS are macros Swift cannot import: exited normally with status 0 is `status == 0`.
        guard status == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw PostgresServerError("\(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
    }

    /// A loopback port nobody listens on right now: bind port 0, read what the kernel chose, close.
    static func freeLoopbackPort() throws(PostgresServerError) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PostgresServerError("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PostgresServerError("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why the test server could not start or make a database.
public struct PostgresServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "test PostgreSQL: " + description }
}
