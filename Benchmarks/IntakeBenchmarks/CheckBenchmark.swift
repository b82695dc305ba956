import ArgumentParser
import ContentAddressing
import FileInspection
import Foundation
import Glibc
import IntakeApplication
import IntakeCore
import IntakeWorker

/// `intake-bench check`: how many files per second `intake check` gets through on one core, beside pikepdf doing the
/// same work in process. Benchmarks/README.md says what is measured and keeps the latest figures.
///
/// Synchronous on purpose: everything measured blocks (a child process, C parsers), and a benchmark that shares
/// no thread with anything else needs no cooperative pool.
struct CheckBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Measure `intake check` throughput on one core beside pikepdf (see Benchmarks/README.md).")
    static let roundsHelp = "Measured rounds over the corpus, after one warm-up round (default: as many as fill 3 s)."
    static let peerNeeds = "pikepdf"

    @OptionGroup var settingsOptions: SettingsOptions

    @Option(help: "Corpus folder, as scripts/make-corpus.sh writes it (default: a fresh one in a temporary folder).")
    var corpus: String?

    @OptionGroup var options: BenchmarkOptions<Self>

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

    func run() throws {
        let intake = try Self.productExecutable()
        let machine = Machine.pinnedToOneCPU()
        let settings = try settingsOptions.settings()
        let rules = AttachmentRules(policy: settings.policy)
        let limits = settings.worker.inspection
        let workspace = try TemporaryFolder()
        // mkdtemp makes it 0700: a confined child that switched to `inspection.user` could not reach the corpus,
        // and Landlock refuses a rule on a path the child cannot open. The corpus is the project's own test files.
        chmod(workspace.path, 0o755)
        let corpusFolder = try corpus ?? Self.makeCorpus(in: workspace.path + "/corpus")
        let files = try Self.mixedCorpus(in: corpusFolder)
        let rounds = options.rounds

        // Confined as the worker confines it, unless `inspection.confine = false`; then a second child, unconfined,
        // is measured round for round beside it, so both see the same machine and the difference is the cost.
        let confinement =
            settings.worker.confine
            ? InspectionConfinement(
                user: settings.worker.inspectionUser, readable: [corpusFolder], writable: [workspace.path])
            : .off
        func checkInChild(_ inspector: IsolatedInspector) -> (String) throws -> Void {
            { path in
                let facts = inspector.inspect(path: path)
                try Self.requireInspected(facts, path: path)
                _ = rules.fileFindings(for: facts, fileName: (path as NSString).lastPathComponent, slot: .attachment)
            }
        }
        let checkConfined = checkInChild(
            IsolatedInspector(executable: intake, limits: limits, confinement: confinement))
        let checkUnconfined =
            confinement.isEnabled
            ? checkInChild(IsolatedInspector(executable: intake, limits: limits, confinement: .off)) : nil
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
        _ = try Self.measure(files, rounds: 1, check: checkConfined)
        if let checkUnconfined { _ = try Self.measure(files, rounds: 1, check: checkUnconfined) }
        _ = try Self.measure(files, rounds: 1, check: checkInProcess)
        stages = StageTotals()

        let (child, unconfinedChild) = try Self.measure(
            files, rounds: rounds ?? 3, atLeastSeconds: rounds == nil ? Self.minimumMeasuredSeconds : 0,
            check: checkConfined, alternatingWith: checkUnconfined)
        let measuredRounds = child.latencies.count / files.count
        let inProcess = try Self.measure(files, rounds: measuredRounds, check: checkInProcess)
        let hashing = try Self.measure(files, rounds: measuredRounds, check: mapAndHash)
        let peer = Result {
            try Processes.peer(
                Throughput.self, python: options.peerPython, script: Self.peerScript,
                arguments: ["--rounds", String(measuredRounds)] + files, scratch: workspace.path,
                keys: .useDefaultKeys)
        }

        let isolatedFigures = Throughput(
            name: "intake check, one inspector child" + (confinement.isEnabled ? " (confined)" : ""), samples: child)
        let confinementCost = unconfinedChild.map { unconfined in
            ConfinementCost(
                unconfined: Throughput(name: "intake check, one child, unconfined", samples: unconfined),
                confined: child, unconfinedSamples: unconfined, files: files.count)
        }
        let inProcessFigures = Throughput(name: "intake in process, no child (FileInspector)", samples: inProcess)
        let pikepdf = try? peer.get()
        let report = Report(
            date: ISO8601DateFormatter().string(from: Date()),
            machine: machine,
            corpus: .init(
                folder: corpus, files: files.count, bytes: files.reduce(0) { $0 + fileSize($1) },
                rounds: measuredRounds),
            intake: isolatedFigures, unconfined: confinementCost?.unconfined, confinement: confinementCost,
            inProcess: inProcessFigures,
            stages: stages.perFileMicroseconds(
                checks: inProcess.latencies.count, mapAndHash: hashing,
                childRoundTrip: child.medianExcess(over: inProcess, files: files.count)),
            slowest: child.slowest(5, of: files),
            pikepdf: pikepdf, ratio: pikepdf.map { isolatedFigures.filesPerSecond / $0.filesPerSecond },
            goalRatio: Self.goalRatio)
        try options.print(report, peerFailure: peer.failure)
    }

    /// The `intake` binary built beside this one (the same build folder): the inspector child measured here is its
    /// hidden `inspect-server` subcommand, as the worker starts it.
    private static func productExecutable() throws -> String {
        let folder = (currentExecutable() as NSString).deletingLastPathComponent
        let intake = (folder as NSString).appendingPathComponent("intake")
        guard FileManager.default.isExecutableFile(atPath: intake) else {
            throw BenchmarkError(
                "\(intake) not found: `check` runs the inspector as `intake inspect-server` from the same build"
                    + " folder; build both products (Benchmarks/run.sh does)")
        }
        return intake
    }

    /// A benchmark of a failing path measures nothing: every file of the mixed corpus must be inspected.
    fileprivate static func requireInspected(_ facts: FileFacts, path: String) throws {
        if let failure = facts.inspectionFailure {
            throw BenchmarkError("inspection failed on \(path): \(failure.message)")
        }
    }

    private static func makeFileInspector() throws -> FileInspector {
        do {
            return try FileInspector()
        } catch {
            throw BenchmarkError(error.description)
        }
    }

    // MARK: Corpus

    /// Writes a fresh corpus with the project's script, which runs the real tools (groff, qpdf).
    private static func makeCorpus(in folder: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: corpusScript) else {
            throw BenchmarkError("\(corpusScript) not found: run from the package root or pass --corpus DIR")
        }
        try Processes.run(corpusScript, [folder])
        return folder
    }

    private static func mixedCorpus(in folder: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw BenchmarkError("cannot read corpus folder \(folder)")
        }
        let selected = names.filter { name in mixedCorpusPatterns.contains { fnmatch($0, name, 0) == 0 } }
        guard !selected.isEmpty else {
            throw BenchmarkError("no corpus PDFs in \(folder) (expected the files of \(corpusScript))")
        }
        return selected.sorted().map { URL(fileURLWithPath: folder).appendingPathComponent($0).path }
    }

    // MARK: Timing

    /// Checks every file once per round, in order, timing each check on its own: `rounds` whole rounds, and more
    /// until `atLeastSeconds` have passed.
    private static func measure(
        _ files: [String], rounds: Int, atLeastSeconds seconds: Double = 0, check: (String) throws -> Void
    ) throws -> Samples {
        try measure(files, rounds: rounds, atLeastSeconds: seconds, check: check, alternatingWith: nil).0
    }

    /// As `measure`, with a round of `other` after each round of `check` when there is one, so that a noisy
    /// neighbour or a frequency change lands on both alike. `atLeastSeconds` counts `check`'s own time.
    private static func measure(
        _ files: [String], rounds: Int, atLeastSeconds seconds: Double, check: (String) throws -> Void,
        alternatingWith other: ((String) throws -> Void)?
    ) throws -> (Samples, Samples?) {
        var samples = Samples()
        var otherSamples = other.map { _ in Samples() }
        var done = 0
        while done < rounds || samples.seconds < seconds {
            var start = ContinuousClock.now
            try samples.round(files, check: check)
            samples.seconds += (ContinuousClock.now - start).seconds
            if let other {
                start = ContinuousClock.now
                try otherSamples?.round(files, check: other)
                otherSamples?.seconds += (ContinuousClock.now - start).seconds
            }
            done += 1
        }
        return (samples, otherSamples)
    }
}

// MARK: Measuring and reporting

extension CheckBenchmark {
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
    struct Throughput: Codable, Hashable {
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

    /// What confining the child costs a check: each file's median confined less its median unconfined, averaged
    /// over the files (paired, as `childRoundTrip` is), and against the unconfined check's mean.
    struct ConfinementCost: Encodable, Hashable {
        /// Issue 17's bound on the cost of confinement per file.
        static let goalPercent = 5.0

        var unconfined: Throughput
        var microsecondsPerFile: Double
        var percentPerFile: Double
        /// Confined files/s against unconfined files/s, as a change in percent (negative: confined is slower).
        var throughputChangePercent: Double

        init(unconfined: Throughput, confined: Samples, unconfinedSamples: Samples, files: Int) {
            self.unconfined = unconfined
            let excess = confined.medianExcess(over: unconfinedSamples, files: files)
            let unconfinedMedians = unconfinedSamples.perFileMedians(files: files)
            let baseline = unconfinedMedians.reduce(0, +) / Double(files)
            microsecondsPerFile = excess * 1e6
            percentPerFile = excess / baseline * 100
            let confinedRate = Double(confined.latencies.count) / confined.seconds
            throughputChangePercent = (confinedRate / unconfined.filesPerSecond - 1) * 100
        }

        enum CodingKeys: String, CodingKey {
            case microsecondsPerFile = "us_per_file"
            case percentPerFile = "percent_per_file"
            case throughputChangePercent = "throughput_change_percent"
            case goalPercent = "goal_percent"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(microsecondsPerFile, forKey: .microsecondsPerFile)
            try container.encode(percentPerFile, forKey: .percentPerFile)
            try container.encode(throughputChangePercent, forKey: .throughputChangePercent)
            try container.encode(Self.goalPercent, forKey: .goalPercent)
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
            try CheckBenchmark.requireInspected(facts, path: path)
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

    struct Report: BenchmarkReport {
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
        /// The same child unconfined, measured round for round beside `intake`; null when confinement is off.
        @NullEncodable var unconfined: Throughput?
        @NullEncodable var confinement: ConfinementCost?
        var inProcess: Throughput
        var stages: StageCosts
        var slowest: [FileLatency]
        /// `null` when the peer did not run, as `ratio` then is, so every run has the same keys.
        @NullEncodable var pikepdf: Throughput?
        /// intake's files per second ÷ pikepdf's.
        @NullEncodable var ratio: Double?
        var goalRatio: Double

        enum CodingKeys: String, CodingKey {
            case date, machine, corpus, intake, unconfined, confinement, slowest, pikepdf, ratio
            case inProcess = "in_process"
            case stages = "stages_us"
            case goalRatio = "goal_ratio"
        }

        var table: String {
            let measurements = [intake] + (unconfined.map { [$0] } ?? []) + [inProcess] + (pikepdf.map { [$0] } ?? [])
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
            var lines = [
                "intake-bench check \(date): \(corpus.files) PDFs (\(corpus.bytes / 1024) KiB: plain, R2–R6"
                    + " encrypted, restricted, active content), \(corpus.rounds) rounds after a warm-up",
                machine.summary,
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
            if let confinement {
                lines.append(
                    String(
                        format: "confinement: %+.0f µs a file, %+.1f %% of an unconfined check"
                            + " (files/s %+.1f %%; goal under %.0f %%)",
                        confinement.microsecondsPerFile, confinement.percentPerFile,
                        confinement.throughputChangePercent, ConfinementCost.goalPercent))
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
}
