import ArgumentParser
import IntakeApplication
import Logging
import ServiceLifecycle

/// `intake work`: run the worker.
struct Work: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the worker until SIGINT/SIGTERM (graceful), or with --until-empty until the queue is empty.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Files inspected at once, one child each; twice as many jobs are held (default: worker.concurrency, "
                + "one per core)."))
    var concurrency: Int?

    @Flag(help: "Stop when no unfinished job remains.")
    var untilEmpty = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    var serviceRole: ServiceRole { .worker(untilEmpty: untilEmpty) }

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func adjust(_ settings: inout IntakeSettings) {
        if let concurrency { settings.worker.concurrency = concurrency }
    }

    /// The worker runs beside this until it stops the group (`--until-empty`) or a signal does.
    func run(_ service: IntakeService) async throws -> Int32 {
        try await gracefulShutdown()
        return 0
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
