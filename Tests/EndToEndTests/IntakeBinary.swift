import Foundation
import IntakeStore
import IntakeStoreSQLite
import IntakeTestSupport

/// The real `intake` binary on a fresh data folder, with the repository's configuration.
struct IntakeBinary {
    let data: URL
    var environment: [String: String] = [:]

    init(environment: [String: String] = [:]) {
        self.init(data: TestSupport.makeTemporaryDirectory(prefix: "data"), environment: environment)
    }

    init(data: URL, environment: [String: String] = [:]) {
        self.data = data
        self.environment = environment
    }

    var commonArguments: [String] {
        ["--data", data.path, "--config", TestSupport.packageRoot.appendingPathComponent("Config/intake.conf").path]
    }

    @discardableResult
    func run(_ arguments: [String]) -> TestSupport.ProcessResult {
        // Options go last: they belong to the innermost subcommand (`case grant … --data D`).
        TestSupport.run(TestSupport.intakeExecutable, arguments + commonArguments, environment: environment)
    }

    /// Starts `intake ARGUMENTS` in the background.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.intakeExecutable)
        process.arguments = arguments + commonArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Parses a JSON document printed by a command.
    func json(_ arguments: [String]) throws -> Any {
        let result = run(arguments + ["--json"])
        guard let data = result.standardOutput.data(using: .utf8), !data.isEmpty else {
            throw TestFailure("no JSON from \(arguments): \(result.standardError)")
        }
        return try JSONSerialization.jsonObject(with: data)
    }

    /// The store, opened by the test process beside the binary (SQLite WAL allows it).
    func store() throws -> SQLiteStore {
        try SQLiteStore(path: data.appendingPathComponent("intake.sqlite").path)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
