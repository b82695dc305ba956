import Foundation
import IntakeCore
import IntakeWorker
import WebhookSending

/// Everything a process of Intake is configured with, read once at start-up: the policy (what changes a verdict)
/// and the operational settings of each part (what does not). Keys are documented in `Config/intake.conf`; each
/// struct keeps its defaults in code, so a configuration file need only name what it changes.
public struct IntakeSettings: Sendable {
    /// The effective key–value layers (file, `extends` bases, `INTAKE_*` variables), for keys read elsewhere.
    public var configuration: Configuration
    public var policy: Policy
    public var worker: WorkerSettings
    public var trial: TrialSettings
    public var storage: StorageSettings
    public var server: ServerSettings
    public var webhooks: WebhookSettings
    /// The bounds on bulk archives (`archive.*`).
    public var archive: ArchiveLimits

    public init(configuration: Configuration, dataFolder: String, cores: Int) throws(ConfigurationError) {
        self.configuration = configuration
        policy = try Policy(configuration: configuration)
        worker = try WorkerSettings(configuration: configuration, cores: cores)
        trial = try TrialSettings(configuration: configuration)
        storage = try StorageSettings(configuration: configuration, dataFolder: dataFolder)
        server = try ServerSettings(configuration: configuration)
        webhooks = try WebhookSettings(configuration: configuration)
        archive = try ArchiveLimits(configuration: configuration)
    }

    /// The keys whose defaults are in code: an `INTAKE_*` variable sets them even when the file does not name them.
    public static let defaultedKeys = [
        "worker.concurrency", "queue.max_attempts", "queue.lease", "queue.poll_interval", "queue.backoff_base",
        "queue.backoff_max", "inspection.timeout", "inspection.memory", "inspection.face_model", "inspection.confine",
        "inspection.user",
        "trial.applications_per_year", "trial.cost_per_file", "trial.cost_per_mb", "trial.cost_per_page",
        "server.listen", "server.metrics_listen", "server.idle_timeout", "server.request_timeout",
        "server.min_free_disk", "server.max_concurrent_uploads", "server.shutdown_timeout", "server.drain_delay",
        "webhooks.allowed_hosts", "webhooks.retry_schedule", "webhooks.timeout", "archive.max_bytes",
        "archive.max_entries", "archive.max_entry_expanded", "archive.max_ratio", "archive.max_expanded",
        "store.url", "blobs.url",
    ]

    /// Reads the configuration file (`path`, else `INTAKE_CONFIG`, else the default search) with its `extends`
    /// bases, layers the `INTAKE_*` variables over it, and builds the settings for `dataFolder` (else
    /// `INTAKE_DATA`, else `./.intake`).
    public static func load(
        configurationFile path: String? = nil, dataFolder: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(IntakeError) -> IntakeSettings {
        let file = path ?? environment["INTAKE_CONFIG"] ?? ConfigurationFile.defaultPath()
        var configuration = try ConfigurationFile.read(file)
        configuration.merge(environment: environment, defaultedKeys: Self.defaultedKeys)
        do {
            return try IntakeSettings(
                configuration: configuration, dataFolder: dataFolder ?? environment["INTAKE_DATA"] ?? "./.intake",
                cores: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            throw IntakeError(.configuration, error.description)
        }
    }
}

/// Where the store and the blobs live.
public struct StorageSettings: Sendable, Hashable {
    /// The data folder: the SQLite database, the blobs and their temporary space (`--data`, `INTAKE_DATA`).
    public var dataFolder: String
    /// Which store (`store.url`, `INTAKE_STORE_URL`; SPEC §8).
    public var store: StoreLocation
    /// Where blobs live (`blobs.url`, `INTAKE_BLOBS_URL`): files, or chunks in the PostgreSQL store.
    public var blobs: BlobLocation
    /// The blob folder of `file:` blobs: `file:PATH` (a shared mount), or `blobs/` in the data folder.
    public var blobFolder: String {
        if case .file(let path?) = blobs { return path }
        return dataFolder + "/blobs"
    }

    /// The SQLite file: `sqlite:PATH`, or `intake.sqlite` in the data folder for a bare `sqlite:`.
    public var databasePath: String {
        if case .sqlite(let path?) = store { return path }
        return dataFolder + "/intake.sqlite"
    }

    public init(dataFolder: String, store: StoreLocation = .sqlite(path: nil), blobs: BlobLocation = .file(path: nil)) {
        self.dataFolder = dataFolder
        self.store = store
        self.blobs = blobs
    }

    public init(configuration: Configuration, dataFolder: String) throws(ConfigurationError) {
        self.init(
            dataFolder: dataFolder,
            store: try configuration.parsed(
                "store.url", default: .sqlite(path: nil), expected: "sqlite:[PATH] or postgres://USER@HOST[:PORT]/DB",
                StoreLocation.init(parsing:)),
            blobs: try configuration.parsed(
                "blobs.url", default: .file(path: nil), expected: "file:[PATH] or postgres",
                BlobLocation.init(parsing:)))
    }
}

/// Where `blobs.url` keeps uploads.
public enum BlobLocation: Sendable, Hashable {
    /// Files under a folder: a path (a shared mount), or nil for `blobs/` in the data folder.
    case file(path: String?)
    /// Chunks in the PostgreSQL database of `store.url`.
    case postgres

    public init?(parsing text: String) {
        if text == "postgres" {
            self = .postgres
        } else if text.hasPrefix("file:") {
            let path = String(text.dropFirst("file:".count))
            self = .file(path: path.isEmpty ? nil : path)
        } else {
            return nil
        }
    }
}

/// The store `store.url` names: the embedded SQLite file, or a PostgreSQL database shared by many processes.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// A path, or nil for `intake.sqlite` in the data folder.
    case sqlite(path: String?)
    /// A `postgres://` URL, checked in full when the store opens (its errors then name the part that is wrong).
    case postgres(url: String)

    public init?(parsing text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            self = .sqlite(path: path.isEmpty ? nil : path)
        } else {
            return nil
        }
    }

    /// Never shows a password.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path ?? "")"
        case .postgres(let url):
            guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
                let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
            else { return url }
            return String(url[..<colon]) + String(url[at...])
        }
    }
}

/// The HTTP service (`server.*`, SPEC §7): operational, they change no verdict.
public struct ServerSettings: Sendable, Hashable {
    /// Where the API listens (`server.listen`, `HOST:PORT`).
    public var listen: HostAndPort
    /// Where Prometheus scrapes `/metrics` (`server.metrics_listen`), apart from the API.
    public var metricsListen: HostAndPort
    /// A connection that sends nothing for this long is closed (`server.idle_timeout`).
    public var idleTimeout: Duration
    /// Longest one request may take, body included (`server.request_timeout`): a slow sender is cut off.
    public var requestTimeout: Duration
    /// Below this much free space in the data folder, uploads are refused with 507 (`server.min_free_disk`).
    public var minFreeDisk: ByteSize
    /// Uploads in flight at once; one more is 503 `service.overloaded` (`server.max_concurrent_uploads`).
    public var maxConcurrentUploads: Int
    /// How long SIGTERM waits for requests and jobs in flight before it stops anyway (`server.shutdown_timeout`).
    public var shutdownTimeout: Duration
    /// How long `/readyz` reports 503 before the server stops accepting, so a load balancer moves traffic away
    /// first (`server.drain_delay`).
    public var drainDelay: Duration

    public static let defaults = ServerSettings(
        listen: HostAndPort(host: "127.0.0.1", port: 8080), metricsListen: HostAndPort(host: "127.0.0.1", port: 9090),
        idleTimeout: .seconds(60), requestTimeout: .seconds(120), minFreeDisk: ByteSize(bytes: 1_000_000_000),
        maxConcurrentUploads: 64, shutdownTimeout: .seconds(30), drainDelay: .seconds(2))

    public init(
        listen: HostAndPort, metricsListen: HostAndPort, idleTimeout: Duration, requestTimeout: Duration,
        minFreeDisk: ByteSize, maxConcurrentUploads: Int, shutdownTimeout: Duration, drainDelay: Duration
    ) {
        self.drainDelay = drainDelay
        self.listen = listen
        self.metricsListen = metricsListen
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.minFreeDisk = minFreeDisk
        self.maxConcurrentUploads = maxConcurrentUploads
        self.shutdownTimeout = shutdownTimeout
    }

    public init(configuration: Configuration) throws(ConfigurationError) {
        let defaults = Self.defaults
        self.init(
            listen: try configuration.parsed(
                "server.listen", default: defaults.listen, expected: "HOST:PORT, e.g. 127.0.0.1:8080",
                HostAndPort.init(parsing:)),
            metricsListen: try configuration.parsed(
                "server.metrics_listen", default: defaults.metricsListen, expected: "HOST:PORT, e.g. 127.0.0.1:9090",
                HostAndPort.init(parsing:)),
            idleTimeout: try configuration.duration("server.idle_timeout", default: defaults.idleTimeout),
            requestTimeout: try configuration.duration("server.request_timeout", default: defaults.requestTimeout),
            minFreeDisk: try configuration.byteSize("server.min_free_disk", default: defaults.minFreeDisk),
            maxConcurrentUploads: try configuration.integer(
                "server.max_concurrent_uploads", atLeast: 1, default: defaults.maxConcurrentUploads),
            shutdownTimeout: try configuration.duration("server.shutdown_timeout", default: defaults.shutdownTimeout),
            drainDelay: try configuration.duration("server.drain_delay", default: defaults.drainDelay))
    }
}

/// `HOST:PORT`, as listen addresses are written.
public struct HostAndPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:8080`; nil for anything else (a missing or out-of-range port).
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon > text.startIndex
        else { return nil }
        host = String(text[..<colon])
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// The size-limit trials' cost model and volume (`trial.*`): operational, they change no verdict.
public struct TrialSettings: Sendable, Hashable {
    /// Used when the trialled applications' dates do not span at least a day (`trial.applications_per_year`).
    public var applicationsPerYear: Int
    /// Worker time per file, per megabyte and per page, used when the store holds too few timed inspections.
    public var costPerFile: Duration
    public var costPerMB: Duration
    public var costPerPage: Duration

    /// About 1.66 million residence applications a year (ISA, 2019) at the plan's 20 % online target; the costs
    /// measured by `make bench` (see `Config/intake.conf`).
    public static let defaults = TrialSettings(
        applicationsPerYear: 332_000, costPerFile: .microseconds(3600), costPerMB: .milliseconds(1),
        costPerPage: .microseconds(50))

    public init(applicationsPerYear: Int, costPerFile: Duration, costPerMB: Duration, costPerPage: Duration) {
        self.applicationsPerYear = applicationsPerYear
        self.costPerFile = costPerFile
        self.costPerMB = costPerMB
        self.costPerPage = costPerPage
    }

    public init(configuration: Configuration) throws(ConfigurationError) {
        let defaults = Self.defaults
        self.init(
            applicationsPerYear: try configuration.integer(
                "trial.applications_per_year", atLeast: 1, default: defaults.applicationsPerYear),
            costPerFile: try configuration.duration("trial.cost_per_file", default: defaults.costPerFile),
            costPerMB: try configuration.duration("trial.cost_per_mb", default: defaults.costPerMB),
            costPerPage: try configuration.duration("trial.cost_per_page", default: defaults.costPerPage))
    }

    /// The configured figures as the trials' fallback cost model.
    var configuredCost: ProcessingCost {
        ProcessingCost(
            secondsPerFile: costPerFile.seconds, secondsPerMB: costPerMB.seconds, secondsPerPage: costPerPage.seconds,
            basis: "configured figures (trial.cost_per_file, trial.cost_per_mb, trial.cost_per_page)")
    }
}

/// Reading configuration files: the file itself and the `extends` bases it names, base first.
public enum ConfigurationFile {
    /// `Config/intake.conf` in the current folder, else beside the checkout the binary was built in (walking up
    /// from `.build/…/intake`), else `/etc/intake/intake.conf`, where an installed service keeps it.
    public static func defaultPath() -> String {
        let manager = FileManager.default
        let relative = "Config/intake.conf"
        if manager.fileExists(atPath: relative) { return relative }
        var folder = URL(fileURLWithPath: currentExecutable()).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = folder.appendingPathComponent(relative).path
            if manager.fileExists(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return "/etc/intake/intake.conf"
    }

    /// The values of the file at `path`, layered over its `extends` bases.
    public static func read(_ path: String) throws(IntakeError) -> Configuration {
        var configuration = Configuration()
        try merge(path: path, into: &configuration, depth: 0)
        return configuration
    }

    private static func merge(path: String, into configuration: inout Configuration, depth: Int) throws(IntakeError) {
        guard depth < 8 else { throw IntakeError(.configuration, "configuration: `extends` nests too deep at \(path)") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw IntakeError(.configuration, "cannot read configuration file \(path) (pass --config FILE)")
        }
        do {
            if let base = try Configuration.baseFile(of: text) {
                let directory = (path as NSString).deletingLastPathComponent
                try merge(
                    path: (directory as NSString).appendingPathComponent(base), into: &configuration, depth: depth + 1)
            }
            try configuration.merge(fileText: text, origin: path)
        } catch let error as ConfigurationError {
            throw IntakeError(.configuration, error.description)
        } catch let error as IntakeError {
            throw error
        } catch {
            throw IntakeError(.configuration, "\(error)")
        }
    }
}

/// This executable's own path, for spawning inspector children.
public func currentExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
