import ArgumentParser
import Foundation
import Glibc

/// The `intake` command line. Exit status: 0 success, 1 something was rejected, 2 usage or operational error.
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Document intake worker for residence applications: validates uploads and records verdicts.",
        subcommands: [
            Demo.self, Check.self, Submit.self, Add.self, Case.self, Work.self, Status.self, Reprocess.self,
            TrialCommand.self,
            Bench.self, BenchSplit.self, BenchPhoto.self,
            InspectServer.self,
        ])
}

@main
enum Main {
    static func main() async {
        // A dead inspector child must surface as EPIPE on write, not kill the worker.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try Intake.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch let failure as OperationalError {
            FileHandle.standardError.write(Data("intake: \(failure.message)\n".utf8))
            Glibc.exit(2)
        } catch {
            let code = Intake.exitCode(for: error)
            if code == .success {
                print(Intake.fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = Intake.message(for: error)
            let oneLine = message.isEmpty ? "\(error)" : message
            FileHandle.standardError.write(Data("intake: \(oneLine)\n".utf8))
            if code.rawValue == 64 {
                FileHandle.standardError.write(Data("Run `intake help` for usage.\n".utf8))
            }
            Glibc.exit(2)
        }
    }
}

/// An error worth one clear line on stderr and exit status 2.
struct OperationalError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
    init(_ message: String) { self.message = message }
}
