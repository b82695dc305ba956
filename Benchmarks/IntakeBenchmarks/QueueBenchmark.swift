import ArgumentParser
import Dispatch
import Foundation
import IntakeCore
import IntakeStore
import IntakeStorePostgres
import Synchronization

/// `intake-bench queue`: jobs per second through claim → complete on PostgreSQL, beside procrastinate working
/// no-op jobs on the same server in the same run (Benchmarks/run-queue.sh starts the server and makes a fresh
/// database for each measurement).
///
/// Two kinds of Intake job: empty ones (claim, then the fenced `succeed`: what a webhook delivery records) and
/// small uploads (claim, then `complete` with one accepted verdict under the application's row lock, as the
/// worker records a small PDF, without the inspection itself). The jobs are queued first, by several submitters
/// at once (reported as enqueue throughput); then `--workers` workers drain the queue, each claiming `--batch`
/// at a time and completing them concurrently, as the job processor does.
struct QueueBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Measure queue throughput on PostgreSQL beside procrastinate (see Benchmarks/README.md).")
    static let roundsHelp = "Ignored: each measurement drains one queue of --jobs jobs."
    static let peerNeeds = "procrastinate and psycopg"

    @Option(help: "A postgres:// URL per measurement, in order: Intake's empty, Intake's uploads, then the peer's.")
    var url: [String]

    @Option(help: "Jobs in each queue.")
    var jobs = 10_000

    @Option(help: "Concurrent workers (claim loops), and the peer's concurrency.")
    var workers = 10

    @Option(help: "Jobs per claim.")
    var batch = 10

    @Option(help: "Python that has procrastinate.")
    var peerPython = "python3"

    static let peerScript = "Benchmarks/queue_peer.py"

    func validate() throws {
        guard url.count == 3 else { throw ValidationError("give --url three times: two for Intake, one for the peer") }
    }

    func run() throws {
        let empty = try blocking { try await measure(url: url[0], uploads: false) }
        let uploads = try blocking { try await measure(url: url[1], uploads: true) }
        let peer = try runPeer(url: url[2])
        print("queue on PostgreSQL, \(jobs) jobs, \(workers) workers, batches of \(batch)")
        print(String(format: "  Intake empty jobs   enqueue %7.0f/s   claim → succeed  %7.0f jobs/s", empty.0, empty.1))
        print(
            String(
                format: "  Intake small PDFs   enqueue %7.0f/s   claim → complete %7.0f jobs/s", uploads.0, uploads.1))
        print(String(format: "  procrastinate no-op defer   %7.0f/s   worked           %7.0f jobs/s", peer.0, peer.1))
        print(String(format: "  ratio (Intake empty / procrastinate): %.1f×", empty.1 / peer.1))
    }

    /// (enqueued per second, worked per second) for one queue of `jobs`.
    private func measure(url: String, uploads: Bool) async throws -> (Double, Double) {
        let store = PostgresStore(location: try PostgresLocation(url: url), maximumConnections: workers + 4)
        let pool = Task { await store.run() }
        defer { pool.cancel() }
        try await store.migrate()
        let submitters = 8
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for submitter in 0..<submitters {
                group.addTask {
                    for index in stride(from: submitter, to: jobs, by: submitters) {
                        let upload = NewUpload(
                            applicationId: "APP-\(index % 500)", uploader: "bench", receipt: nil, slot: .attachment,
                            fileName: "small.pdf", sha256: "sha-\(index)", bytes: 20_000)
                        _ = try await store.submit(upload, maxAttempts: 5) { snapshot in
                            snapshot == nil ? .create(receipt: nil) : .accept
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let enqueued = ContinuousClock.now - start
        let drainStart = ContinuousClock.now
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var done = 0
                    while true {
                        let claims = try await store.claim(worker: "bench-\(worker)", limit: batch, lease: .seconds(60))
                        if claims.isEmpty { return done }
                        try await withThrowingTaskGroup(of: Void.self) { jobs in
                            for claim in claims {
                                jobs.addTask {
                                    if uploads {
                                        try await store.complete(claim) { _ in [Self.accepted(claim)] }
                                    } else {
                                        try await store.succeed(claim)
                                    }
                                }
                            }
                            try await jobs.waitForAll()
                        }
                        done += claims.count
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let drained = ContinuousClock.now - drainStart
        guard done == jobs else { throw BenchmarkError("drained \(done) of \(jobs) jobs") }
        return (Double(jobs) / enqueued.seconds, Double(jobs) / drained.seconds)
    }

    private static func accepted(_ claim: ClaimedJob) -> ItemResult {
        let upload = claim.upload!
        return ItemResult(
            item: ItemRecord(
                id: "\(upload.id)-1", uploadId: upload.id, ordinal: 1, title: upload.fileName, firstPage: 1,
                lastPage: 1, sha256: upload.sha256, bytes: upload.bytes),
            verdict: .accepted, findings: [],
            facts: FileFacts(mime: "application/pdf", bytes: upload.bytes, sha256: upload.sha256),
            policyVersion: "bench")
    }

    private func runPeer(url: String) throws -> (Double, Double) {
        let dsn = url.replacingOccurrences(of: "postgres://", with: "postgresql://")
            .replacingOccurrences(of: "?sslmode=disable", with: "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            peerPython, Self.peerScript, "--dsn", dsn, "--jobs", "\(jobs)", "--concurrency", "\(workers)",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double],
            let deferred = object["deferred_per_second"], let worked = object["worked_per_second"]
        else { throw BenchmarkError("procrastinate did not run (status \(process.terminationStatus))") }
        return (deferred, worked)
    }
}

/// Runs async work from the synchronous benchmark command and waits for it.
private func blocking<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) throws -> Value {
    let result = Mutex<Result<Value, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome = await Result { try await work() }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
