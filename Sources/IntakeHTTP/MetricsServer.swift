import Hummingbird
import IntakeApplication
import IntakeWorker
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// Prometheus metrics on their own listener (`server.metrics_listen`), apart from the API, so that scraping needs
/// no token and the API's port need not expose them.
public struct MetricsEndpoint: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// Makes the registry and bootstraps swift-metrics with it: once per process, before anything emits.
    public static func bootstrap() -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[IntakeMetrics.inspectionDuration] = IntakeMetrics.inspectionBuckets
        MetricsSystem.bootstrap(factory)
        return MetricsEndpoint(registry: registry)
    }

    /// The metrics listener and a sampler of the queue's depth, as services of the process's group.
    public func services(
        service: IntakeService, logger: Logger, onListening: @escaping @Sendable (HostAndPort) async -> Void = { _ in }
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let router = Router()
        let registry = registry
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let listen = service.settings.server.metricsListen
        let application = Application(
            router: router, configuration: .init(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { channel in
                await onListening(HostAndPort(host: listen.host, port: channel.localAddress?.port ?? listen.port))
            },
            logger: logger)
        return [.init(service: application), .init(service: QueueSampler(service: service))]
    }
}

/// Samples the queue's depth by state every few seconds into `intake_queue_jobs{state}`.
struct QueueSampler: Service {
    let service: IntakeService

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let storage = try? service.storage, let counts = try? await storage.jobCounts() {
                IntakeMetrics.queueDepth(counts)
            }
            try? await Task.sleep(for: .seconds(5))
        }
    }
}
