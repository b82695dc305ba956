import Foundation
import IntakeCore
import IntakeStore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The server store: PostgreSQL through postgres-nio's bounded connection pool, shared by any number of API and
/// worker processes on any number of hosts.
///
/// Isolation: every write runs in one READ COMMITTED transaction. Where a decision reads before it writes (an
/// upload's verdict against the application's allowance, a case's state, a submission to an existing application)
/// the transaction first locks the application row with `SELECT … FOR UPDATE`, so decisions about one application
/// take turns while different applications proceed in parallel. Locks are always taken job row first, then
/// application row, so two transactions never wait on each other in a cycle. That same lock orders each
/// application's events: an event's id is drawn while the lock is held, so ids of one application increase in
/// commit order, which is what a client resuming after the last id it saw relies on.
///
/// Time: the database's clock (`now()`, the transaction's start) decides leases, backoff and timestamps, so that
/// skew between hosts cannot decide who holds a job. A test may inject a clock instead; its reading is passed to
/// every statement as a parameter (`intake_now($1)`), so the SQL is the same either way.
///
/// The pool runs in `run()`: this store is a `Service`, started before anything that uses it.
public final class PostgresStore: IntakeStorage, Service {
    let client: PostgresClient
    let logger: Logger
    /// Seconds since 1970 from an injected clock, or nil for the database's own.
    let clock: (@Sendable () -> Double)?
    private let schema = Mutex<SchemaState>(.unknown)
    /// `succeed` calls that arrive together share one statement and one commit; each learns whether its lease held.
    let completions = GroupCommit<ClaimedJob, Bool>()

    private enum SchemaState {
        case unknown
        case migrating(Task<Void, any Error>)
        case current
    }

    /// A store on the database `location` names. Nothing connects until `run()` runs the pool; the schema is
    /// migrated before the first operation (or by `migrate()`).
    /// `idleTransactionTimeout`: how long the server lets a session sit idle inside a transaction before it ends
    /// it (see below); give it the queue's lease, since a transaction idle longer has lost its job anyway.
    public init(
        location: PostgresLocation, clock: (@Sendable () -> Double)? = nil, maximumConnections: Int = 10,
        idleTransactionTimeout: Duration = .seconds(60), logger: Logger = Logger(label: "intake.store.postgres")
    ) {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: location.tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        // A worker cut off from the network mid-transaction keeps its row locks on the server until TCP gives up
        // (hours): its job could not be reclaimed (claims skip locked rows) and every verdict of its application
        // would wait. No transaction here waits on anything but the next statement, so the server may end one
        // that has sat idle that long: its locks go, and another worker takes the job. Not seconds, though: a
        // process starved of CPU can pause that long mid-transaction, and a session ended under it is a fault.
        let idleMilliseconds =
            idleTransactionTimeout.components.seconds * 1000
            + idleTransactionTimeout.components.attoseconds / 1_000_000_000_000_000
        configuration.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", "\(max(1000, idleMilliseconds))ms")
        ]
        // Idle connections above the minimum close soon: a pool that is not in use holds nothing on the server.
        configuration.options.connectionIdleTimeout = .seconds(10)
        // The pool logs each failed connection attempt at info: many lines a second while the database is down.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.clock = clock
        self.logger = logger
    }

    /// Runs the connection pool until the service group shuts down.
    public func run() async {
        await client.run()
    }

    /// Applies every migration the database lacks. Safe to run from several processes at once: they take turns
    /// under an advisory lock.
    public func migrate() async throws {
        try await mapped {
            try await client.withConnection { connection in
                try await Self.migrate(connection, logger: logger)
            }
        }
        schema.withLock { $0 = .current }
    }

    /// Migrates once per process, before the first operation; a failed attempt is tried again by the next one.
    func ensureSchema() async throws {
        let task = schema.withLock { state -> Task<Void, any Error>? in
            switch state {
            case .current:
                return nil
            case .migrating(let task):
                return task
            case .unknown:
                let task = Task { try await self.migrate() }
                state = .migrating(task)
                return task
            }
        }
        guard let task else { return }
        do {
            try await task.value
        } catch {
            schema.withLock { state in
                if case .migrating = state { state = .unknown }
            }
            throw error
        }
    }

    // MARK: Transactions

    /// A write: one READ COMMITTED transaction, committed when `body` returns, rolled back when it throws. Faults
    /// reach the caller as `StoreError`s, with the caller's own `StoreError` (a lost lease) passed through as is.
    func write<T: Sendable>(_ body: @Sendable (Transaction) async throws -> T) async throws -> T {
        try await ensureSchema()
        return try await mapped {
            try await client.withConnection { connection in
                try await Self.inTransaction(connection, begin: "BEGIN", logger: logger) {
                    let transaction = try await Transaction(
                        connection: connection, clock: clock, readsNow: true, logger: logger)
                    return try await body(transaction)
                }
            }
        }
    }

    /// A read of one committed snapshot (REPEATABLE READ, read only), however many statements it takes.
    /// `needsNow` reads the clock first, for reads that compare with it (token expiry).
    func read<T: Sendable>(needsNow: Bool = false, _ body: @Sendable (Transaction) async throws -> T) async throws -> T
    {
        try await ensureSchema()
        return try await mapped {
            try await client.withConnection { connection in
                try await Self.inTransaction(
                    connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger
                ) {
                    let transaction = try await Transaction(
                        connection: connection, clock: clock, readsNow: needsNow, logger: logger)
                    return try await body(transaction)
                }
            }
        }
    }

    /// One statement outside any explicit transaction (it is its own): the claim, a renewal, simple reads.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await ensureSchema()
        return try await mapped {
            try await client.withConnection { connection in
                try await Transaction.rows(query, on: connection, logger: logger)
            }
        }
    }

    /// One statement whose rows are handed to `each` as they arrive, never all held at once (a blob's chunks).
    func forEachRow(_ query: PostgresQuery, _ each: (PostgresRandomAccessRow) async throws -> Void) async throws {
        try await ensureSchema()
        try await mapped {
            try await client.withConnection { connection in
                try Transaction.ensureOpen(connection)
                for try await row in try await connection.query(query, logger: logger) {
                    try await each(row.makeRandomAccess())
                }
            }
        }
    }

    /// The injected clock's reading, or nil so that `intake_now` reads the database's.
    var injectedNow: Double? { clock?() }

    private static func inTransaction<T: Sendable>(
        _ connection: PostgresConnection, begin: PostgresQuery, logger: Logger,
        _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try Transaction.ensureOpen(connection)
        try await connection.query(begin, logger: logger)
        let value: T
        do {
            value = try await body()
        } catch {
            // The caller's error is what matters; a connection that is gone needs no rollback (the server rolls
            // back an aborted session's transaction itself), and must not be written to (see `ensureOpen`).
            if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
            throw error
        }
        try Transaction.ensureOpen(connection)
        try await connection.query("COMMIT", logger: logger)
        return value
    }

    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let error as CancellationError {
            // The caller stopped waiting (a renewal cancelled with its finished job): not a database fault.
            throw error
        } catch {
            throw StoreError(postgres: error)
        }
    }
}

/// One transaction's connection and its `now`, read once so every row it writes carries the same time.
struct Transaction: Sendable {
    /// Refuses to send on a connection whose channel has closed. postgres-nio 1.33.2 writes each query to the
    /// channel without a write promise: on a closed channel the write fails unseen and the query waits forever.
    /// The pool can hand out such a connection in the moment between its closing and the pool noticing (seen
    /// here after a PostgreSQL restart: a `BEGIN` on a just-released dead connection never returned, holding a
    /// worker slot for good). Checked before every statement, the window left is the microseconds between the
    /// check and the write.
    static func ensureOpen(_ connection: PostgresConnection) throws {
        if connection.isClosed {
            throw StoreError(code: .unavailable, message: "database connection lost (closed before use)")
        }
    }

    let connection: PostgresConnection
    let logger: Logger
    /// Seconds since 1970, by the store's clock (zero in a read that did not ask for it).
    let now: Double

    init(connection: PostgresConnection, clock: (@Sendable () -> Double)?, readsNow: Bool, logger: Logger)
        async throws
    {
        self.connection = connection
        self.logger = logger
        if let clock {
            now = clock()
        } else if !readsNow {
            now = 0
        } else {
            let rows = try await Self.rows("SELECT intake_now(NULL) AS now", on: connection, logger: logger)
            now = try rows[0]["now"].decode(Double.self)
        }
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await Self.rows(query, on: connection, logger: logger)
    }

    func row(_ query: PostgresQuery) async throws -> PostgresRandomAccessRow? {
        try await rows(query).first
    }

    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) async throws -> Int {
        try Self.ensureOpen(connection)
        var count = 0
        for try await _ in try await connection.query(query, logger: logger) { count += 1 }
        return count
    }

    static func rows(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws
        -> [PostgresRandomAccessRow]
    {
        try ensureOpen(connection)
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await connection.query(query, logger: logger) {
            rows.append(row.makeRandomAccess())
        }
        return rows
    }
}

extension StoreError {
    /// A database fault as a store error. Lost connections, a server shutting down or refusing connections,
    /// serialization failures and deadlocks are retriable; the message carries the SQLSTATE and the server's
    /// primary message only, never statement parameters or the detail line (which can quote row values).
    init(postgres error: any Error) {
        guard let psql = error as? PSQLError else {
            if error is PostgresDecodingError {
                self.init(code: .integrity, message: "unexpected column type: \(String(reflecting: error))")
            } else {
                // The pool's own faults (its circuit breaker after failed connection attempts) are not PSQLErrors.
                self.init(code: .unavailable, message: "database unreachable: \(error)")
            }
            return
        }
        switch psql.code {
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? "?????"
            let message = "\(state) \(psql.serverInfo?[.message] ?? "")"
            switch state {
            case "40001", "40P01", "55P03":
                self.init(code: .busy, message: message)
            case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300":
                self.init(code: .unavailable, message: message)
            case _ where state.hasPrefix("23"):
                self.init(code: .integrity, message: message)
            default:
                self.init(code: .database, message: message)
            }
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed,
            .queryCancelled:
            self.init(code: .unavailable, message: "database connection lost (\(psql.code))")
        default:
            self.init(code: .database, message: "database protocol fault (\(psql.code))")
        }
    }
}
