import ArgumentParser
import IntakeApplication

/// A benchmark subcommand, and what the shared options say about it in its `--help`.
protocol Benchmark: ParsableCommand {
    /// What a measured round is here, and how many run by default.
    static var roundsHelp: String { get }
    /// What the peer script needs from its Python.
    static var peerNeeds: String { get }
}

/// The options every benchmark takes, declared once. Generic over the benchmark so that each keeps its own help
/// (what a round is, the default count, what the peer needs) without a copy of the block.
struct BenchmarkOptions<Command: Benchmark>: ParsableArguments {
    @Option(help: ArgumentHelp(Command.roundsHelp))
    var rounds: Int?

    @Option(help: ArgumentHelp("Python that has \(Command.peerNeeds), e.g. .venv/bin/python."))
    var peerPython = "python3"

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
    }

    /// Prints the report, as its table or with `--json` as one document in Intake's one JSON encoding; then fails
    /// when the peer did not run, since the figures beside it are missing.
    func print(_ report: some BenchmarkReport, peerFailure: (any Error)?) throws {
        // Through stdio, not FileHandle.write, which traps when the reader has gone (`| head`).
        Swift.print(json ? String(decoding: try IntakeJSON.encode(report), as: UTF8.self) : report.table)
        if let peerFailure {
            throw BenchmarkError("peer did not run: \(peerFailure)")
        }
    }
}

/// Where the policy and the inspection limits come from, as for `intake`. No data folder: nothing here touches
/// the store.
struct SettingsOptions: ParsableArguments {
    @Option(help: "Configuration file (default: Config/intake.conf, else INTAKE_CONFIG, else /etc/intake/intake.conf).")
    var config: String?

    func settings() throws -> IntakeSettings {
        try IntakeSettings.load(configurationFile: config)
    }
}

/// Everything one run measured: the `--json` document, and the table people read.
protocol BenchmarkReport: Encodable {
    var table: String { get }
}

extension Result {
    /// The error, nil on success.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
