import BlobStorage
import Foundation
import IntakeStore
import IntakeStorePostgres
import IntakeStoreSQLite
import IntakeWorker
import Logging
import ServiceLifecycle
import WebhookSending

/// What a process runs besides its own command.
public enum ServiceRole: Sendable, Hashable {
    /// No store and no background service: the command only inspects files (`check`).
    case standalone
    /// No background service: the command only reads or records (submit, status, case, trial).
    case none
    /// The job processor; with `untilEmpty`, it stops the group once no unfinished job remains.
    case worker(untilEmpty: Bool)
}

/// The store and blob store the settings name: SQLite (the embedded default) or PostgreSQL (`store.url`), and
/// blobs in the data folder. `service` is what must run for the store to work (PostgreSQL's connection pool),
/// first in the process's service group.
public func makeStorage(settings: IntakeSettings) throws(IntakeError) -> (
    storage: any IntakeStorage, blobs: any BlobStore, service: (any Service)?
) {
    let folder = settings.storage.dataFolder
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
        throw IntakeError(.storage, "data folder \(folder): cannot create it")
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
        access(folder, W_OK) == 0
    else {
        throw IntakeError(.storage, "data folder \(folder): not a writable folder")
    }
    func fileBlobs() throws(IntakeError) -> FileBlobStore {
        do {
            return try FileBlobStore(root: settings.storage.blobFolder)
        } catch {
            throw IntakeError(.storage, "data folder \(folder): \(error.message)")
        }
    }
    switch settings.storage.store {
    case .sqlite:
        guard case .file = settings.storage.blobs else {
            throw IntakeError(.configuration, "blobs.url = postgres needs store.url = postgres://…")
        }
        let blobs = try fileBlobs()
        do {
            return (try SQLiteStore(path: settings.storage.databasePath), blobs, nil)
        } catch {
            throw IntakeError(.storage, "data folder \(folder): cannot open the database (\(error))")
        }
    case .postgres(let url):
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: url)
        } catch {
            throw IntakeError(.configuration, error.message)
        }
        // The pool's bound: every job in flight can hold a connection while it records, with room for the API
        // and the claim loop beside them.
        let store = PostgresStore(
            location: location, maximumConnections: settings.worker.concurrency + 4,
            idleTransactionTimeout: max(settings.worker.lease, .seconds(5)))
        switch settings.storage.blobs {
        case .file:
            return (store, try fileBlobs(), store)
        case .postgres:
            do {
                return (store, try PostgresBlobStore(store: store, temporaryFolder: folder + "/tmp"), store)
            } catch {
                throw IntakeError(.storage, "data folder \(folder): \(error.message)")
            }
        }
    }
}

/// The service and the background services of one process, built once: `main` runs them in one `ServiceGroup`,
/// whose order (store first, then the worker, then any server) makes shutdown stop the outermost first.
public struct IntakeRuntime: Sendable {
    public var service: IntakeService
    public var services: [ServiceGroupConfiguration.ServiceConfiguration]
}

/// Builds the service and the role's background services from the settings. `inspectorExecutable` is the
/// `intake` binary whose `inspect-server` subcommand is the isolated inspector (this process's own by default).
public func makeServices(
    role: ServiceRole, settings: IntakeSettings, logger: Logger, inspectorExecutable: String = currentExecutable()
) throws(IntakeError) -> IntakeRuntime {
    let backend = role == .standalone ? nil : try makeStorage(settings: settings)
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    if let store = backend?.service { services.append(.init(service: store)) }
    let confinement = settings.inspectorConfinement(for: role)
    if case .worker = role, let unreachable = confinement.unreachableFolder() {
        throw IntakeError(
            .configuration,
            "the inspector child cannot reach the blobs: \(unreachable); allow it (chmod o+x on the folder) or set "
                + "inspection.user")
    }
    let inspectors = InspectorPool(
        size: settings.worker.concurrency, executable: inspectorExecutable, limits: settings.worker.inspection,
        confinement: confinement)
    if settings.worker.confine {
        if let abi = InspectionConfinement.landlockABI {
            logger.debug("Inspector confined", metadata: ["intake.landlock.abi": "\(abi)"])
        } else {
            logger.warning("No Landlock in this kernel: the inspector runs with seccomp only, without file confinement")
        }
    }
    let wakeup: JobWakeup? = if case .worker = role { JobWakeup() } else { nil }
    let service = IntakeService(
        settings: settings, storage: backend?.storage, blobs: backend?.blobs, inspector: inspectors, wakeup: wakeup)
    if let wakeup, let store = backend?.service as? PostgresStore {
        services.append(.init(service: JobNotifications(store: store, wakeup: wakeup, logger: logger)))
    }
    if case .worker(let untilEmpty) = role, let (storage, blobs, _) = backend {
        // Before the processor, so that it shuts down after it: no delivery in flight loses its client.
        let webhookClient = WebhookClient(settings: settings.webhooks)
        services.append(.init(service: webhookClient))
        let processor = JobProcessor(
            storage: storage,
            handlers: [
                UploadJobHandler(
                    storage: storage, blobs: blobs, inspector: inspectors, policy: settings.policy,
                    landmarkModel: settings.worker.landmarkModel),
                ReprocessJobHandler(storage: storage, policy: settings.policy),
                WebhookJobHandler(
                    storage: storage, client: webhookClient.client, settings: settings.webhooks,
                    render: { event in try await service.webhookData(event) }),
            ],
            settings: settings.worker, untilEmpty: untilEmpty, logger: logger, wakeup: wakeup)
        services.append(
            .init(service: processor, successTerminationBehavior: untilEmpty ? .gracefullyShutdownGroup : .cancelGroup))
    }
    return IntakeRuntime(service: service, services: services)
}

/// A command's own work as a service of the process's one group: when it ends, the group shuts down gracefully,
/// so a worker running beside it finishes its jobs in flight.
public struct CommandService: Service {
    private let body: @Sendable () async throws -> Void

    public init(_ body: @escaping @Sendable () async throws -> Void) { self.body = body }

    public func run() async throws { try await body() }
}

/// Runs `body` in one `ServiceGroup` with the runtime's background services; SIGTERM and SIGINT shut it down
/// gracefully. Returns once every service has stopped; rethrows what `body` threw.
/// `faces` (an HTTP server) come after the runtime's services, so that they stop first; the group waits at most
/// `server.shutdown_timeout` for everything to finish before it cancels what is left.
public func runServiceGroup(
    _ runtime: IntakeRuntime, faces: [ServiceGroupConfiguration.ServiceConfiguration] = [], logger: Logger,
    _ body: @escaping @Sendable () async throws -> Void
) async throws {
    let command = CommandService(body)
    var configuration = ServiceGroupConfiguration(
        services: runtime.services + faces + [
            .init(
                service: command, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    configuration.maximumGracefulShutdownDuration = runtime.service.settings.server.shutdownTimeout
    try await ServiceGroup(configuration: configuration).run()
}

extension IntakeSettings {
    /// Where the inspector child may read and write: the blob folder, and the temporary folders both blob stores
    /// make their scratch folders in (`FileBlobStore`'s own, `PostgresBlobStore`'s in the data folder).
    ///
    /// `check` and `trial --from-csv` (the standalone role) inspect files an operator names anywhere, as that
    /// operator: their child keeps the user and reads the whole file system, but writes nothing, opens no socket
    /// and runs no program.
    func inspectorConfinement(for role: ServiceRole) -> InspectionConfinement {
        guard worker.confine else { return .off }
        if role == .standalone {
            return InspectionConfinement(user: nil, readable: ["/"], writable: [], faceModel: worker.landmarkModel)
        }
        return InspectionConfinement(
            user: worker.inspectionUser, readable: [storage.blobFolder],
            writable: [storage.blobFolder + "/tmp", storage.dataFolder + "/tmp"], faceModel: worker.landmarkModel)
    }
}
