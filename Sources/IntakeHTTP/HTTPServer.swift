import Foundation
import Hummingbird
import IntakeApplication
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP server and its drain step as services of the process's one group, to be added after the worker:
/// the group stops services in reverse order, so on SIGTERM `/readyz` turns 503 first (the drain), then the server
/// stops accepting and lets requests in flight finish, then the worker finishes its jobs.
public func makeHTTPServices(
    api: IntakeAPI, logger: Logger, onListening: @escaping @Sendable (HostAndPort) async -> Void = { _ in }
) -> [ServiceGroupConfiguration.ServiceConfiguration] {
    let settings = api.service.settings.server
    let application = Application(
        router: api.makeRouter(),
        server: .http1(
            configuration: .init(idleTimeout: .milliseconds(Int64(settings.idleTimeout.seconds * 1000)))),
        configuration: ApplicationConfiguration(
            address: .hostname(settings.listen.host, port: settings.listen.port), serverName: "Intake"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? settings.listen.port
            await onListening(HostAndPort(host: settings.listen.host, port: port))
        },
        logger: logger)
    return [
        .init(service: application),
        .init(service: DrainStep(api: api, delay: settings.drainDelay, logger: logger)),
    ]
}

/// On graceful shutdown: refuse new uploads and report not ready, then wait `delay` so that a load balancer sees
/// `/readyz` fail before the server stops accepting connections.
struct DrainStep: Service {
    let api: IntakeAPI
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        api.startDraining()
        logger.info("Draining: readiness 503, new uploads refused", metadata: ["intake.drain": "\(delay)"])
        try? await Task.sleep(for: delay)
    }
}
