import ArgumentParser
import Foundation
import Glibc
import IntakeApplication

/// `intake-bench`: Intake's benchmarks, in their own executable beside the product (house style: swift-nio and
/// Hummingbird keep theirs in Benchmarks/). Benchmarks/README.md says what each measures and keeps the figures.
///
/// One executable with a subcommand per benchmark rather than a target each: the three share their option block,
/// the machine line, CPU pinning, the temporary folder and the peer runner, and one module holds those once without
/// a fourth, library target to carry them; the run scripts build one more product, not three.
struct IntakeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake-bench",
        abstract: "Intake's benchmarks, each beside a peer measured in the same run (see Benchmarks/README.md).",
        subcommands: [CheckBenchmark.self, SplitBenchmark.self, PhotoBenchmark.self, QueueBenchmark.self])
}

/// Exit status, as for `intake`: 0, or 2 with one line on stderr (a usage error, a run that could not measure, or
/// a peer that did not run, after the figures were printed).
@main
enum Main {
    static func main() {
        do {
            var command = try IntakeBench.parseAsRoot()
            try command.run()
        } catch let failure as BenchmarkError {
            fail(failure.message)
        } catch let failure as IntakeError {
            fail(failure.message)
        } catch {
            let code = IntakeBench.exitCode(for: error)
            if code == .success {
                print(IntakeBench.fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = IntakeBench.message(for: error)
            let usage = code.rawValue == 64 ? "\nRun `intake-bench help` for usage." : ""
            fail((message.isEmpty ? "\(error)" : message) + usage)
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("intake-bench: \(message)\n".utf8))
        Glibc.exit(2)
    }
}

/// Why a benchmark could not measure, or why its peer could not run: one line on stderr and exit status 2.
struct BenchmarkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
    init(_ message: String) { self.message = message }
}
