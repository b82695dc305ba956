import IntakeStore
import IntakeStorePostgres
import IntakeStoreSQLite
import Synchronization

/// The storage backends the behaviour suite runs over: every test takes one (`@Test(arguments: Backend.allCases)`),
/// so a new backend passes the same promises by adding a case here and to `makeStorage`.
public enum Backend: String, CaseIterable, Sendable {
    case sqlite
    /// A fresh database on the test process's PostgreSQL server (`PostgresServer`).
    case postgres
}

/// A clock the test moves by hand: the store reads leases, backoff and timestamps from it.
public final class TestClock: Sendable {
    private let seconds: Mutex<Double>

    public init(_ start: Double = 1_795_000_000) { seconds = Mutex(start) }

    public var now: Double { seconds.withLock { $0 } }

    public func advance(by duration: Duration) {
        seconds.withLock { $0 += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    }

    /// The clock as the store takes it.
    public var reading: @Sendable () -> Double { { self.now } }
}

/// A fresh, empty store of `backend` in its own temporary folder, reading time from `clock`.
public func makeStorage(_ backend: Backend, clock: TestClock = TestClock()) throws -> any IntakeStorage {
    switch backend {
    case .sqlite:
        let folder = TemporaryDataFolder("store")
        return try SQLiteStore(path: folder.path + "/intake.sqlite", clock: clock.reading)
    case .postgres:
        let store = PostgresStore(
            location: try PostgresServer.makeDatabase(), clock: clock.reading, maximumConnections: 4)
        // The pool runs as long as the process: its idle connections close by themselves once the test is done.
        Task { await store.run() }
        return store
    }
}
