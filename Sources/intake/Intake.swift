import ArgumentParser
import Foundation
import Glibc
import IntakeApplication
import Logging
import ServiceLifecycle
import Synchronization

/// The `intake` command line. Exit status: 0 success, 1 something was rejected, 2 usage or operational error.
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Document intake worker for residence applications: validates uploads and records verdicts.",
        subcommands: [
            Demo.self, Check.self, Submit.self, SubmitArchive.self, Add.self, Case.self, Work.self, Status.self,
            Reprocess.self,
            TrialCommand.self, Serve.self, Token.self, Migrate.self,
            InspectServer.self,
        ])
}

/// A subcommand of the product: it parses its options, then `run(_:)` calls `IntakeService` and renders. `main`
/// builds the settings, the service and the process's one `ServiceGroup` around it (with the worker when `role`
/// asks for one), and bootstraps logging once.
protocol IntakeCommand: AsyncParsableCommand, Sendable {
    var global: GlobalOptions { get }
    /// What runs beside the command: nothing, or the worker.
    var serviceRole: ServiceRole { get }
    /// The least severe log level written to stderr.
    var logLevel: Logger.Level { get }
    /// Command-line options that override configured settings (`work --concurrency`).
    func adjust(_ settings: inout IntakeSettings) throws
    /// Services the command adds to the group after the worker (`serve`: the HTTP server).
    func faces(for service: IntakeService, logger: Logger) throws -> [ServiceGroupConfiguration.ServiceConfiguration]
    /// The command's work; returns its exit status (0, or 1 when something was rejected).
    func run(_ service: IntakeService) async throws -> Int32
}

extension IntakeCommand {
    var serviceRole: ServiceRole { .none }
    var logLevel: Logger.Level { .warning }
    func adjust(_ settings: inout IntakeSettings) throws {}
    func faces(for service: IntakeService, logger: Logger) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        []
    }

    mutating func run() async throws {
        throw ExitCode(try await Main.execute(self))
    }
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
        } catch let failure as IntakeError {
            fail(failure.message)
        } catch let failure as OperationalError {
            fail(failure.message)
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

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("intake: \(message)\n".utf8))
        Glibc.exit(2)
    }

    /// The composition root of a product command: logging once, settings, service, one `ServiceGroup`.
    static func execute<Command: IntakeCommand>(_ command: Command) async throws -> Int32 {
        let level = command.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "intake")
        var settings = try command.global.settings()
        try command.adjust(&settings)
        let runtime = try makeServices(role: command.serviceRole, settings: settings, logger: logger)
        let outcome = Mutex<Result<Int32, any Error>>(.success(0))
        // The command's error is kept rather than thrown, so the group sees a command that ended and shuts down
        // gracefully instead of logging a service failure.
        let faces = try command.faces(for: runtime.service, logger: logger)
        try await runServiceGroup(runtime, faces: faces, logger: logger) {
            do {
                let status = try await command.run(runtime.service)
                outcome.withLock { $0 = .success(status) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
        return try outcome.withLock { $0 }.get()
    }
}

/// An error worth one clear line on stderr and exit status 2.
struct OperationalError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
    init(_ message: String) { self.message = message }
}
