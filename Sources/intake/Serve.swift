import ArgumentParser
import Foundation
import IntakeApplication
import IntakeHTTP
import Logging
import ServiceLifecycle

/// `intake serve`: the HTTP API (SPEC §7) and the worker in one process, or either alone.
struct Serve: IntakeCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API and the worker (role all), or either alone; SIGTERM drains both.")

    enum Role: String, ExpressibleByArgument, Sendable {
        case all, api, worker
    }

    @OptionGroup var global: GlobalOptions

    @Option(help: "Where the API listens, HOST:PORT (default: server.listen, 127.0.0.1:8080; port 0 picks one).")
    var listen: String?

    @Option(help: "all (API and worker), api or worker.")
    var role: Role = .all

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    var serviceRole: ServiceRole { role == .api ? .none : .worker(untilEmpty: false) }

    func validate() throws {
        for (option, value) in [("--listen", listen), ("--metrics-listen", metricsListen)] {
            if let value, HostAndPort(parsing: value) == nil {
                throw ValidationError("\(option): “\(value)” is not HOST:PORT")
            }
        }
    }

    func adjust(_ settings: inout IntakeSettings) throws {
        if let listen = listen.flatMap(HostAndPort.init(parsing:)) { settings.server.listen = listen }
        if let metrics = metricsListen.flatMap(HostAndPort.init(parsing:)) { settings.server.metricsListen = metrics }
    }

    @Option(help: "Where Prometheus scrapes /metrics, HOST:PORT (default: server.metrics_listen, 127.0.0.1:9090).")
    var metricsListen: String?

    func faces(for service: IntakeService, logger: Logger) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let metrics = MetricsEndpoint.bootstrap().services(service: service, logger: logger) { address in
            FileHandle.standardOutput.write(Data("intake: metrics on http://\(address)/metrics\n".utf8))
        }
        guard role != .worker else { return metrics }
        return metrics
            + makeHTTPServices(api: try IntakeAPI(service: service), logger: logger) { address in
                // One line on stdout, so a script or a test that asked for port 0 learns the port.
                FileHandle.standardOutput.write(Data("intake: listening on http://\(address)\n".utf8))
                // Where a person starts: the two pages, with a token from `intake token create` in the fragment.
                FileHandle.standardOutput.write(
                    Data(
                        ("intake: pages http://\(address)/#token=TOKEN&application=APP-1 and "
                            + "http://\(address)/admin#token=ADMIN_TOKEN\n").utf8))
            }
    }

    /// The server and the worker run beside this until SIGTERM or SIGINT.
    func run(_ service: IntakeService) async throws -> Int32 {
        try await gracefulShutdown()
        return 0
    }
}
