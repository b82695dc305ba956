import ArgumentParser
import ContentAddressing
import FileInspection
import Foundation
import Glibc
import IntakeApplication
import IntakeCore
import IntakeWorker

/// `intake bench`: how many files per second `check` gets through on one core, beside pikepdf doing the same
/// work in process. Benchmarks/README.md says what is measured and keeps the latest figures.
///
/// Synchronous on purpose: everything measured blocks (a child process, C parsers), and a benchmark that shares
/// no thread with anything else needs no cooperative pool.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure `check` throughput on one core beside pikepdf (see Benchmarks/README.md).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Corpus folder, as scripts/make-corpus.sh writes it (default: a fresh one in a temporary folder).")
    var corpus: String?

    @Option(help: "Measured rounds over the corpus, after one warm-up round (default: as many as fill 3 s).")
    var rounds: Int?

    @Option(help: "Python that has pikepdf, e.g. .venv/bin/python.")
    var peerPython = "python3"

    @Flag(help: "Print one JSON document.")
    var json = false

    /// The real PDFs of the corpus, plain, encrypted (R2–R6) and restricted, with and without active content: the
    /// files that reach the PDF parsers. The disguised non-PDFs stop at libmagic and would flatter both sides.
    static let mixedCorpusPatterns = [
        "plain.pdf", "contract.pdf", "letter.pdf", "objstm*.pdf", "r2-*", "r3-*", "r4-*", "r5-*", "r6-*",
        "javascript*.pdf", "attachment.pdf",
    ]
    static let corpusScript = "scripts/make-corpus.sh"
    static let peerScript = "Benchmarks/pikepdf_peer.py"
    /// Long enough that a stray scheduler hiccup moves the figure by well under a percent.
    static let minimumMeasuredSeconds = 3.0
    /// The throughput ratio over pikepdf that the isolation design is expected to keep.
    static let goalRatio = 1.5

    func validate() throws {
        if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
    }

    func run() throws {
        let pinnedCPU = CPUAffinity.pinToOneCPU()
        // Read before the run adds its own load: anything else busy on the machine skews every figure.
        let loadAverage = BenchMachine.loadAverage()
        let settings = try global.settings()
        let rules = AttachmentRules(policy: settings.policy)
        let limits = settings.worker.inspection
        let workspace = try TemporaryFolder()
        let corpusFolder = try corpus ?? Self.makeCorpus(in: workspace.path + "/corpus")
        let files = try Self.mixedCorpus(in: corpusFolder)

        let isolated = IsolatedInspector(executable: currentExecutable(), limits: limits)
        let checkInChild = { (path: String) in
            let facts = isolated.inspect(path: path)
            try Self.requireInspected(facts, path: path)
            _ = rules.fileFindings(for: facts, fileName: (path as NSString).lastPathComponent, slot: .attachment)
        }
        let fileInspector = try Self.makeFileInspector()
        var stages = StageTotals()
        let checkInProcess = { (path: String) in
            try stages.check(path: path, inspector: fileInspector, rules: rules)
        }
        let mapAndHash = { (path: String) in
            let file = try MappedFile(path: path)
            _ = Digest.sha256Hex(file.bytes)
        }

        // Warm-up: starts the child, loads libmagic's database, fills the page cache and the allocators' pools.
        _ = try Self.measure(files, rounds: 1, check: checkInChild)
        _ = try Self.measure(files, rounds: 1, check: checkInProcess)
        stages = StageTotals()

        let child = try Self.measure(
            files, rounds: rounds ?? 3, atLeastSeconds: rounds == nil ? Self.minimumMeasuredSeconds : 0,
            check: checkInChild)
        let measuredRounds = child.latencies.count / files.count
        let inProcess = try Self.measure(files, rounds: measuredRounds, check: checkInProcess)
        let hashing = try Self.measure(files, rounds: measuredRounds, check: mapAndHash)
        let peer = Result {
            try Peer.run(
                python: peerPython, script: Self.peerScript, rounds: measuredRounds, files: files,
                scratch: workspace.path)
        }

        let isolatedFigures = Throughput(name: "intake check, one inspector child", samples: child)
        let inProcessFigures = Throughput(name: "intake in process, no child (FileInspector)", samples: inProcess)
        let report = Report(
            date: ISO8601DateFormatter().string(from: Date()),
            machine: .init(
                cpu: BenchMachine.cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount, pinnedCPU: pinnedCPU,
                loadAverage: loadAverage),
            corpus: .init(
                folder: corpus, files: files.count, bytes: files.reduce(0) { $0 + BenchMachine.fileSize($1) },
                rounds: measuredRounds),
            intake: isolatedFigures, inProcess: inProcessFigures,
            stages: stages.perFileMicroseconds(
                checks: inProcess.latencies.count, mapAndHash: hashing,
                childRoundTrip: child.medianExcess(over: inProcess, files: files.count)),
            slowest: child.slowest(5, of: files),
            pikepdf: try? peer.get(), goalRatio: Self.goalRatio)

        if json {
            try JSONOutput.print(report)
        } else {
            print(report.table)
        }
        if case .failure(let error) = peer {
            throw OperationalError("peer did not run: \(error)")
        }
    }

    /// A benchmark of a failing path measures nothing: every file of the mixed corpus must be inspected.
    fileprivate static func requireInspected(_ facts: FileFacts, path: String) throws {
        if let failure = facts.inspectionFailure {
            throw OperationalError("inspection failed on \(path): \(failure.message)")
        }
    }

    private static func makeFileInspector() throws -> FileInspector {
        do {
            return try FileInspector()
        } catch {
            throw OperationalError(error.description)
        }
    }

    // MARK: Corpus

    /// Writes a fresh corpus with the project's script, which runs the real tools (groff, qpdf).
    private static func makeCorpus(in folder: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: corpusScript) else {
            throw OperationalError("\(corpusScript) not found: run from the package root or pass --corpus DIR")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: corpusScript)
        process.arguments = [folder]
        process.standardOutput = FileHandle.nullDevice  // its file count would break --json
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OperationalError("\(corpusScript) failed with status \(process.terminationStatus)")
        }
        return folder
    }

    private static func mixedCorpus(in folder: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw OperationalError("cannot read corpus folder \(folder)")
        }
        let selected = names.filter { name in mixedCorpusPatterns.contains { fnmatch($0, name, 0) == 0 } }
        guard !selected.isEmpty else {
            throw OperationalError("no corpus PDFs in \(folder) (expected the files of \(corpusScript))")
        }
        return selected.sorted().map { URL(fileURLWithPath: folder).appendingPathComponent($0).path }
    }

    // MARK: Timing

    /// Checks every file once per round, in order, timing each check on its own: `rounds` whole rounds, and more
    /// until `atLeastSeconds` have passed.
    private static func measure(
        _ files: [String], rounds: Int, atLeastSeconds seconds: Double = 0, check: (String) throws -> Void
    ) throws -> Samples {
        var samples = Samples()
        var done = 0
        let start = ContinuousClock.now
        while done < rounds || (ContinuousClock.now - start).seconds < seconds {
            try samples.round(files, check: check)
            done += 1
        }
        samples.seconds = (ContinuousClock.now - start).seconds
        return samples
    }
}

// MARK: Measuring, reporting, and the peer

extension Bench {
    /// Per-file latencies in seconds and the wall time the rounds took.
    struct Samples {
        var latencies: [Double] = []
        var seconds = 0.0

        mutating func round(_ files: [String], check: (String) throws -> Void) throws {
            for file in files {
                let start = ContinuousClock.now
                try check(file)
                latencies.append((ContinuousClock.now - start).seconds)
            }
        }

        /// The median latency of each file over the rounds; `round` records files in corpus order.
        func perFileMedians(files: Int) -> [Double] {
            (0..<files).map { file in
                let ordered = stride(from: file, to: latencies.count, by: files).map { latencies[$0] }.sorted()
                return (ordered[(ordered.count - 1) / 2] + ordered[ordered.count / 2]) / 2
            }
        }

        /// How much longer each file takes here than in `other`, median against median, averaged over the files, in
        /// seconds. Pairing files keeps a few slow files' spread out of the difference.
        func medianExcess(over other: Samples, files: Int) -> Double {
            let mine = perFileMedians(files: files)
            let theirs = other.perFileMedians(files: files)
            return zip(mine, theirs).map { $0 - $1 }.reduce(0, +) / Double(files)
        }

        /// The `count` files with the longest median latency, slowest first.
        func slowest(_ count: Int, of files: [String]) -> [FileLatency] {
            zip(files, perFileMedians(files: files.count))
                .map { FileLatency(file: ($0 as NSString).lastPathComponent, medianMilliseconds: $1 * 1000) }
                .sorted { $0.medianMilliseconds > $1.medianMilliseconds }
                .prefix(count).map { $0 }
        }
    }

    /// One file's median latency over the rounds.
    struct FileLatency: Encodable {
        var file: String
        var medianMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case file
            case medianMilliseconds = "median_ms"
        }
    }

    /// Throughput and latency of one way of checking the corpus. The peer prints the same fields.
    struct Throughput: Codable {
        var name: String
        var files: Int
        var seconds: Double
        var filesPerSecond: Double
        var meanMilliseconds: Double
        var medianMilliseconds: Double
        var p95Milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case name, files, seconds
            case filesPerSecond = "files_per_second"
            case meanMilliseconds = "mean_ms"
            case medianMilliseconds = "median_ms"
            case p95Milliseconds = "p95_ms"
        }

        init(name: String, samples: Samples) {
            let latency = Latency(samples.latencies)
            self.name = name
            files = samples.latencies.count
            seconds = samples.seconds
            filesPerSecond = Double(files) / samples.seconds
            meanMilliseconds = latency.meanMilliseconds
            medianMilliseconds = latency.medianMilliseconds
            p95Milliseconds = latency.p95Milliseconds
        }
    }

    /// Where the in-process time goes, summed over every check, read off `FileInspector`'s own seam: its `onSniffed`
    /// callback fires after mapping, libmagic and SHA-256, before any PDF parser runs.
    struct StageTotals {
        var sniff = 0.0
        var pdf = 0.0
        var rules = 0.0

        /// One in-process check of `path`, with the time of each stage added to the totals.
        mutating func check(path: String, inspector: FileInspector, rules attachmentRules: AttachmentRules) throws {
            let start = ContinuousClock.now
            var sniffed = start
            let facts = inspector.inspect(path: path) { _ in sniffed = ContinuousClock.now }
            let inspected = ContinuousClock.now
            let name = (path as NSString).lastPathComponent
            _ = attachmentRules.fileFindings(for: facts, fileName: name, slot: .attachment)
            rules += (ContinuousClock.now - inspected).seconds
            sniff += (sniffed - start).seconds
            pdf += (inspected - sniffed).seconds
            try Bench.requireInspected(facts, path: path)
        }

        /// Mean microseconds per check; `mapAndHash` (mapping and SHA-256 timed alone) splits libmagic off the sniff.
        func perFileMicroseconds(checks: Int, mapAndHash hashing: Samples, childRoundTrip: Double) -> StageCosts {
            let scale = 1e6 / Double(checks)
            let mapAndHash = hashing.latencies.reduce(0, +) / Double(hashing.latencies.count) * 1e6
            return StageCosts(
                mapAndSHA256: mapAndHash, libmagic: sniff * scale - mapAndHash, pdfScanAndPoppler: pdf * scale,
                rules: rules * scale, childRoundTrip: childRoundTrip * 1e6)
        }
    }

    /// Mean cost of each stage per file, in microseconds.
    struct StageCosts: Encodable {
        var mapAndSHA256: Double
        var libmagic: Double
        var pdfScanAndPoppler: Double
        var rules: Double
        /// What the child adds to a file's median over checking it in process: the request and the facts through the
        /// pipes as JSON, both processes waking, and cache misses from switching between them.
        var childRoundTrip: Double

        enum CodingKeys: String, CodingKey {
            case libmagic, rules
            case mapAndSHA256 = "map_and_sha256"
            case pdfScanAndPoppler = "pdf_scan_and_poppler"
            case childRoundTrip = "child_round_trip"
        }
    }

    /// Everything one run measured: the `--json` document, and the table people read.
    struct Report: Encodable {
        struct Machine: Encodable {
            var cpu: String
            var cores: Int
            /// The CPU this process and its children were pinned to; nil when pinning was refused.
            var pinnedCPU: Int?
            /// `/proc/loadavg` when the run started.
            var loadAverage: String
            enum CodingKeys: String, CodingKey {
                case cpu, cores
                case pinnedCPU = "pinned_cpu"
                case loadAverage = "load_average"
            }
        }
        struct Corpus: Encodable {
            /// Absent when the corpus was generated for this run.
            var folder: String?
            var files: Int
            var bytes: Int64
            var rounds: Int
        }
        var date: String
        var machine: Machine
        var corpus: Corpus
        var intake: Throughput
        var inProcess: Throughput
        var stages: StageCosts
        var slowest: [FileLatency]
        var pikepdf: Throughput?
        var goalRatio: Double
        var ratio: Double? { pikepdf.map { intake.filesPerSecond / $0.filesPerSecond } }

        enum CodingKeys: String, CodingKey {
            case date, machine, corpus, intake, slowest, pikepdf, ratio
            case inProcess = "in_process"
            case stages = "stages_us"
            case goalRatio = "goal_ratio"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(date, forKey: .date)
            try container.encode(machine, forKey: .machine)
            try container.encode(corpus, forKey: .corpus)
            try container.encode(intake, forKey: .intake)
            try container.encode(inProcess, forKey: .inProcess)
            try container.encode(stages, forKey: .stages)
            try container.encode(slowest, forKey: .slowest)
            try container.encode(pikepdf, forKey: .pikepdf)
            try container.encode(ratio, forKey: .ratio)
            try container.encode(goalRatio, forKey: .goalRatio)
        }

        var table: String {
            let measurements = [intake, inProcess] + (pikepdf.map { [$0] } ?? [])
            let width = max(44, measurements.map(\.name.count).max() ?? 0) + 2
            func row(_ label: String, _ values: [String]) -> String {
                label.padding(toLength: width, withPad: " ", startingAt: 0)
                    + values.map { String(repeating: " ", count: max(0, 11 - $0.count)) + $0 }.joined()
            }
            func figures(_ measurement: Throughput) -> String {
                let values = [
                    measurement.filesPerSecond, measurement.meanMilliseconds, measurement.medianMilliseconds,
                    measurement.p95Milliseconds,
                ]
                return row(measurement.name, values.map { String(format: "%.2f", $0) })
            }
            func microseconds(_ label: String, _ value: Double) -> String {
                row("  " + label, [String(format: "%.0f", value)])
            }
            let pin = machine.pinnedCPU.map { "pinned to CPU \($0)" } ?? "not pinned (sched_setaffinity refused)"
            var lines = [
                "intake bench \(date): \(corpus.files) PDFs (\(corpus.bytes / 1024) KiB: plain, R2–R6 encrypted, "
                    + "restricted, active content), \(corpus.rounds) rounds after a warm-up",
                "\(machine.cpu), \(machine.cores) cores, \(pin), load average \(machine.loadAverage)",
                "",
                row("", ["files/s", "mean ms", "median ms", "p95 ms"]),
            ]
            lines += measurements.map(figures)
            lines.append("")
            if let ratio {
                lines.append(String(format: "intake ÷ pikepdf: %.2f× per core (goal ≥ %.1f×)", ratio, goalRatio))
            } else {
                lines.append("intake ÷ pikepdf: no figure, the peer did not run")
            }
            lines += [
                "",
                "per-file cost, mean µs",
                microseconds("map + SHA-256", stages.mapAndSHA256),
                microseconds("libmagic", stages.libmagic),
                microseconds("PDF: syntax scan + poppler", stages.pdfScanAndPoppler),
                microseconds("rules", stages.rules),
                microseconds("child round trip (pipes, JSON, wake-ups)", stages.childRoundTrip),
                "",
                "slowest files in the child, median ms",
            ]
            lines += slowest.map { row("  " + $0.file, [String(format: "%.2f", $0.medianMilliseconds)]) }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs `Benchmarks/pikepdf_peer.py` on the same files and rounds, on the CPU this process is pinned to.
    enum Peer {
        struct Failure: Error, CustomStringConvertible {
            var description: String
        }

        static func run(python: String, script: String, rounds: Int, files: [String], scratch: String) throws
            -> Throughput
        {
            let data = try output(
                python: python, script: script, arguments: ["--rounds", String(rounds)] + files, scratch: scratch)
            do {
                return try JSONDecoder().decode(Throughput.self, from: data)
            } catch {
                throw Failure(description: "\(script) printed no figures: \(error)")
            }
        }

        /// Runs a peer script with `python` and returns what it printed. `scratch` is a folder for its stderr,
        /// read back for the one-line reason when it fails.
        static func output(python: String, script: String, arguments: [String], scratch: String) throws -> Data {
            guard FileManager.default.fileExists(atPath: script) else {
                throw Failure(description: "\(script) not found (run from the package root)")
            }
            let process = Process()
            // `env` finds a bare `python3` on PATH as well as a path like `.venv/bin/python`.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, script] + arguments
            let output = Pipe()
            let errorPath = scratch + "/peer-stderr-\((script as NSString).lastPathComponent)"
            // A file, not a second pipe: a long traceback cannot fill a pipe nobody drains yet and stall the peer.
            guard FileManager.default.createFile(atPath: errorPath, contents: nil),
                let errorHandle = FileHandle(forWritingAtPath: errorPath)
            else {
                throw Failure(description: "cannot capture the peer's stderr")
            }
            process.standardOutput = output
            process.standardError = errorHandle
            do {
                try process.run()
            } catch {
                throw Failure(description: "cannot start \(python): \(error.localizedDescription)")
            }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try? errorHandle.close()
            guard process.terminationStatus == 0 else {
                let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
                let last = stderr.split(separator: "\n").last.map(String.init) ?? "no message"
                throw Failure(
                    description: "\(python) \(script) exited with status \(process.terminationStatus): \(last)")
            }
            return data
        }
    }

    /// A folder under the system's temporary directory, removed with everything in it when the value goes away.
    struct TemporaryFolder: ~Copyable {
        let path: String

        init() throws {
            let pattern = (NSTemporaryDirectory() as NSString).appendingPathComponent("intake-bench-XXXXXX")
            var template = Array(pattern.utf8CString)
            guard let created = mkdtemp(&template) else {
                throw OperationalError("cannot create a temporary folder: \(String(cString: strerror(errno)))")
            }
            path = String(cString: created)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Pins the process to one CPU, so "per core" means what it says: the parent and its inspector child share one
    /// core, as one worker slot does in production, and the peer (started later, inheriting the mask) gets the same.
    enum CPUAffinity {
        private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutablePointer<cpu_set_t>) -> Int32

        /// Restricts the calling thread, and every process and thread it starts afterwards, to the lowest CPU it may
        /// use now. Returns that CPU, or nil when the system refuses. Swift's Glibc module leaves out the GNU-only
        /// `sched_getaffinity` and `sched_setaffinity`, so they are looked up by name.
        static func pinToOneCPU() -> Int? {
            guard let process = dlopen(nil, RTLD_NOW) else { return nil }
            defer { dlclose(process) }
            guard let getSymbol = dlsym(process, "sched_getaffinity"),
                let setSymbol = dlsym(process, "sched_setaffinity")
            else { return nil }
            let getAffinity = unsafeBitCast(getSymbol, to: AffinityCall.self)
            let setAffinity = unsafeBitCast(setSymbol, to: AffinityCall.self)
            var allowed = cpu_set_t()
            guard getAffinity(0, MemoryLayout<cpu_set_t>.size, &allowed) == 0 else { return nil }
            let words = withUnsafeBytes(of: allowed.__bits) { Array($0.bindMemory(to: UInt.self)) }
            guard let word = words.firstIndex(where: { $0 != 0 }) else { return nil }
            let cpu = word * UInt.bitWidth + words[word].trailingZeroBitCount
            var single = cpu_set_t()
            withUnsafeMutableBytes(of: &single.__bits) { bytes in
                bytes.bindMemory(to: UInt.self)[word] = 1 << UInt(words[word].trailingZeroBitCount)
            }
            return setAffinity(0, MemoryLayout<cpu_set_t>.size, &single) == 0 ? cpu : nil
        }
    }
}
