import ArgumentParser
import Foundation
import IntakeWorker
import Logging
import ServiceLifecycle

/// `intake work`: run the worker.
struct Work: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the worker until SIGINT/SIGTERM (graceful), or with --until-empty until the queue is empty.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Jobs at once (default: worker.concurrency, one per core).")
    var concurrency: Int?

    @Flag(help: "Stop when no unfinished job remains.")
    var untilEmpty = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        try await runWorker(global: global, concurrency: concurrency, untilEmpty: untilEmpty)
    }
}

/// Builds the worker from the configuration and runs it in a service group that turns SIGINT and SIGTERM into
/// a graceful shutdown.
func runWorker(global: GlobalOptions, concurrency: Int?, untilEmpty: Bool) async throws {
    let configuration = try global.loadConfiguration()
    let policy = try global.loadPolicy(configuration)
    var settings = try global.loadSettings(configuration)
    if let concurrency {
        guard concurrency > 0 else { throw OperationalError("--concurrency must be at least 1") }
        settings.concurrency = concurrency
    }
    let (store, blobs) = try global.openStore()
    let logger = Logger(label: "intake.worker")
    let worker = Worker(
        storage: store, blobs: blobs,
        inspectors: InspectorPool(
            size: settings.concurrency, executable: currentExecutable(), limits: settings.inspection),
        policy: policy, settings: settings, untilEmpty: untilEmpty, logger: logger)
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
