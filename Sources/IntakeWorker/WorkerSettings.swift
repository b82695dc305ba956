import IntakeCore

/// How the worker runs: operational settings that never change a verdict, so they are not part of the policy
/// version. Keys are documented in `Config/intake.conf`.
public struct WorkerSettings: Sendable, Hashable {
    /// Files inspected at once, one per inspector child (`worker.concurrency`; `0` means one per core). The worker
    /// holds twice as many jobs, so that a child never waits while a finished job is recorded.
    public var concurrency: Int
    /// Attempts before a job is `dead` (`queue.max_attempts`).
    public var maxAttempts: Int
    /// A running job's lease, renewed at a third of it while the job runs (`queue.lease`).
    public var lease: Duration
    /// How often an idle worker looks for work (`queue.poll_interval`).
    public var pollInterval: Duration
    /// Backoff after a transient fault (`queue.backoff_base`, `queue.backoff_max`).
    public var retry: RetryStrategy
    /// Deadline and memory ceiling of each inspection (`inspection.timeout`, `inspection.memory`).
    public var inspection: InspectionLimits
    /// The face model face photos are measured with (`inspection.face_model`): a folder of MediaPipe ONNX files,
    /// or a dlib 68-point shape predictor file.
    public var landmarkModel: String
    /// Whether the inspector child confines itself (`inspection.confine`), and the user it becomes when the worker
    /// runs as root (`inspection.user`; nil when empty). Where it may read and write follows from the storage.
    public var confine: Bool
    public var inspectionUser: String?

    public init(
        concurrency: Int, maxAttempts: Int, lease: Duration, pollInterval: Duration, retry: RetryStrategy,
        inspection: InspectionLimits, landmarkModel: String, confine: Bool = true, inspectionUser: String? = "nobody"
    ) {
        self.landmarkModel = landmarkModel
        self.confine = confine
        self.inspectionUser = inspectionUser
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.lease = lease
        self.pollInterval = pollInterval
        self.retry = retry
        self.inspection = inspection
    }

    /// The defaults in code (`Config/intake.conf` documents the same values), on a machine with `cores` cores.
    public static func defaults(cores: Int) -> WorkerSettings {
        WorkerSettings(
            concurrency: max(1, cores), maxAttempts: 5, lease: .seconds(60), pollInterval: .milliseconds(250),
            retry: RetryStrategy(base: .seconds(1), maximum: .seconds(300)),
            inspection: InspectionLimits(timeout: .seconds(20), memory: ByteSize(bytes: 2 << 30)),
            landmarkModel: "/usr/local/share/intake/mediapipe")
    }

    /// The keys that are set, over `defaults(cores:)`.
    public init(configuration: Configuration, cores: Int) throws(ConfigurationError) {
        let defaults = Self.defaults(cores: cores)
        let concurrency = try configuration.integer("worker.concurrency", atLeast: 0, default: 0)
        self.init(
            concurrency: concurrency == 0 ? defaults.concurrency : concurrency,
            maxAttempts: try configuration.integer("queue.max_attempts", atLeast: 1, default: defaults.maxAttempts),
            lease: try configuration.duration("queue.lease", default: defaults.lease),
            pollInterval: try configuration.duration("queue.poll_interval", default: defaults.pollInterval),
            retry: RetryStrategy(
                base: try configuration.duration("queue.backoff_base", default: defaults.retry.base),
                maximum: try configuration.duration("queue.backoff_max", default: defaults.retry.maximum)),
            inspection: InspectionLimits(
                timeout: try configuration.duration("inspection.timeout", default: defaults.inspection.timeout),
                memory: try configuration.byteSize("inspection.memory", default: defaults.inspection.memory)),
            landmarkModel: try configuration.string("inspection.face_model", default: defaults.landmarkModel),
            confine: try configuration.boolean("inspection.confine", default: defaults.confine),
            inspectionUser: try configuration.string("inspection.user", default: defaults.inspectionUser ?? "")
                .nilIfEmpty)
    }
}

/// Exponential backoff with jitter: attempt n waits a random time between half and all of
/// `min(maximum, base·2^(n-1))`,
/// so workers that failed together do not retry together.
public struct RetryStrategy: Sendable, Hashable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration, maximum: Duration) {
        self.base = base
        self.maximum = maximum
    }

    /// The delay before the retry that follows failed attempt `attempt` (1-based).
    public func delay<Generator: RandomNumberGenerator>(afterAttempt attempt: Int, using generator: inout Generator)
        -> Duration
    {
        let ceiling = min(maximum.seconds, base.seconds * Double(1 << min(max(attempt - 1, 0), 30)))
        let seconds = Double.random(in: (ceiling / 2)...max(ceiling, ceiling / 2), using: &generator)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
