import ArgumentParser
import Foundation
import Glibc
import IntakeApplication
import PDFAssembly

/// `intake-bench split`: how long splitting a bundle into documents takes on one core, beside pikepdf splitting the
/// same page ranges in the same run, and the peak resident memory of each. Benchmarks/README.md ("Splitting
/// bundles") says what is measured and keeps the latest figures.
///
/// Synchronous on purpose, like `check`: the work measured blocks in libqpdf, and a benchmark that shares no thread
/// with anything else needs no cooperative pool.
struct SplitBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Measure splitting a bundle into 10 documents on one core beside pikepdf (see Benchmarks/README.md).")
    static let roundsHelp = "Measured splits, after one warm-up split (default: as many as fill 3 s, at least 3)."
    static let peerNeeds = "pikepdf"

    @Option(help: "Bundle to split (default: Debian's libtasn1 manual concatenated 15 times, 540 pages).")
    var bundle: String?

    @OptionGroup var options: BenchmarkOptions<Self>

    /// The issue's shape of a large bundle: enough documents that what each new PDF costs (its own header, page
    /// tree, copied fonts, object streams, xref and ID) counts as it does in production.
    static let documents = 10
    /// A real pdfTeX manual (36 pages, embedded Type 1 fonts, object streams) that the tests already split.
    static let manual = "/usr/share/doc/libtasn1-doc/libtasn1.pdf"
    /// 15 × 36 = 540 pages: the issue asks for at least 500.
    static let manualCopies = 15
    static let peerScript = "Benchmarks/split_peer.py"
    /// About a dozen splits of the default bundle: enough for a stable mean on an idle core.
    static let minimumMeasuredSeconds = 3.0
    static let minimumRounds = 3
    /// "No slower than pikepdf": pikepdf's seconds per split ÷ ours.
    static let goalRatio = 1.0
    /// Resident memory of a split must stay under this on a bundle of at least `peakGoalMinimumBundle` bytes (the
    /// worker splits in a child process with an address-space ceiling, and several run at once).
    static let peakGoalBytes: Int64 = 300_000_000
    static let peakGoalMinimumBundle: Int64 = 200_000_000

    func run() throws {
        let machine = Machine.pinnedToOneCPU()
        let workspace = try TemporaryFolder()
        let source = try bundle ?? Self.makeManualBundle(in: workspace.path)
        let pages = try Self.pageCount(of: source)
        guard pages >= Self.documents else {
            throw BenchmarkError("\(source) has \(pages) pages, fewer than \(Self.documents) documents")
        }
        let ranges = Self.contiguousRanges(pages: pages, count: Self.documents)
        // One folder per side; every split overwrites its documents.
        let intakeFolder = workspace.path + "/intake"
        let peerFolder = workspace.path + "/pikepdf"
        for folder in [intakeFolder, peerFolder] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let outputs = ranges.indices.map { "\(intakeFolder)/document-\($0 + 1).pdf" }

        // Warm-up: fills the page cache with the bundle and the allocator's pools. Every split writes the same
        // bytes (deterministic IDs), so checking the warm-up's documents checks them all.
        try Self.split(source, ranges: ranges, to: outputs)
        try Self.verify(outputs, ranges: ranges)

        let samples = try Self.measure(source, ranges: ranges, to: outputs, rounds: options.rounds)
        // The high-water mark of this process, taken before anything else runs in it: the splits' own peak (the
        // peer and qpdf are other processes, not counted in RUSAGE_SELF).
        let peak = Self.peakResidentKilobytes()
        let opening = samples.open.reduce(0, +)
        let intake = SplitFigures(
            name: "intake (libqpdf \(Self.linkedQPDFVersion()) in process)", splitSeconds: samples.split,
            stageTotals: [
                .init(name: "open (qpdf_read, page count)", seconds: opening),
                .init(name: "copy pages + write", seconds: samples.split.reduce(0, +) - opening),
            ],
            pages: pages, bytesWritten: outputs.reduce(0) { $0 + fileSize($1) }, peakResidentKilobytes: peak)
        let peer = Result {
            try Processes.peer(
                PeerOutput.self, python: options.peerPython, script: Self.peerScript,
                arguments: ["--rounds", String(samples.split.count), "--out", peerFolder, source]
                    + ranges.map { "\($0.lowerBound)-\($0.upperBound)" },
                scratch: workspace.path)
        }
        let pikepdf = (try? peer.get()).map {
            SplitFigures(
                name: $0.name, splitSeconds: $0.splitSeconds, stageTotals: $0.stages, pages: pages,
                bytesWritten: $0.bytesWritten, peakResidentKilobytes: $0.peakResidentKilobytes)
        }

        let bundleBytes = fileSize(source)
        let ratio = pikepdf.map { $0.meanSeconds / intake.meanSeconds }
        let peakApplies = bundleBytes >= Self.peakGoalMinimumBundle
        let report = Report(
            date: ISO8601DateFormatter().string(from: Date()),
            machine: machine,
            bundle: .init(
                file: bundle,
                label: bundle.map { ($0 as NSString).lastPathComponent }
                    ?? "\((Self.manual as NSString).lastPathComponent) ×\(Self.manualCopies)",
                pages: pages, bytes: bundleBytes,
                documents: ranges.map { .init(first: $0.lowerBound, last: $0.upperBound) }),
            splits: samples.split.count, intake: intake, pikepdf: pikepdf, ratio: ratio,
            goals: .init(
                ratio: Self.goalRatio, ratioMet: ratio.map { $0 >= Self.goalRatio },
                peakResidentBytes: Self.peakGoalBytes, peakMinimumBundleBytes: Self.peakGoalMinimumBundle,
                peakMet: peakApplies ? Int64(intake.peakResidentKilobytes) * 1024 < Self.peakGoalBytes : nil))
        try options.print(report, peerFailure: peer.failure)
    }

    // MARK: The bundle and its ranges

    /// Concatenates the manual `manualCopies` times with qpdf, from separate copies of the file: qpdf opens a file
    /// named twice only once and shares its objects (fonts) between the copies, which would make a 0.4 MB bundle
    /// that no real merge of separate documents produces; separate files give 15 documents' worth (4.3 MB).
    private static func makeManualBundle(in folder: String) throws -> String {
        guard FileManager.default.fileExists(atPath: manual) else {
            throw BenchmarkError("\(manual) not found: apt-get install libtasn1-doc (Benchmarks/run-split.sh does)")
        }
        let copies = try (1...manualCopies).map { copy in
            let path = "\(folder)/manual-\(copy).pdf"
            try FileManager.default.copyItem(atPath: manual, toPath: path)
            return path
        }
        let bundle = folder + "/bundle.pdf"
        try Processes.run("qpdf", ["--empty", "--pages"] + copies + ["--", bundle])
        return bundle
    }

    /// `count` contiguous ranges covering pages 1…`pages` in order, their sizes differing by at most one page.
    static func contiguousRanges(pages: Int, count: Int) -> [ClosedRange<Int>] {
        (0..<count).map { index in (index * pages / count + 1)...((index + 1) * pages / count) }
    }

    // MARK: Splitting, checking, timing

    private static func split(_ source: String, ranges: [ClosedRange<Int>], to outputs: [String]) throws {
        do {
            try PDFAssembler.extract(source: source, ranges: ranges, to: outputs)
        } catch {
            throw BenchmarkError("cannot split \(source): \(error)")
        }
    }

    private static func pageCount(of path: String) throws -> Int {
        do {
            return try PDFAssembler.pageCount(of: path)
        } catch {
            throw BenchmarkError("cannot read \(path): \(error)")
        }
    }

    /// A benchmark of broken output measures nothing: every document must pass `qpdf --check` (status 0, not even
    /// warnings) and hold exactly its range's pages.
    private static func verify(_ outputs: [String], ranges: [ClosedRange<Int>]) throws {
        for (output, range) in zip(outputs, ranges) {
            try Processes.run("qpdf", ["--check", output])
            let count = try pageCount(of: output)
            guard count == range.count else {
                throw BenchmarkError("\(output) has \(count) pages, expected \(range.count) (pages \(range))")
            }
        }
    }

    /// Seconds of each whole split, and of opening the bundle alone (read and count its pages, as `extract` does
    /// first) right before it: the one stage boundary `PDFAssembler` lets us see from outside. `rounds` splits, or
    /// without it as many as fill `minimumMeasuredSeconds`, at least `minimumRounds`.
    private static func measure(
        _ source: String, ranges: [ClosedRange<Int>], to outputs: [String], rounds: Int?
    ) throws -> (split: [Double], open: [Double]) {
        var split: [Double] = []
        var open: [Double] = []
        let start = ContinuousClock.now
        while split.count < (rounds ?? minimumRounds)
            || (rounds == nil && (ContinuousClock.now - start).seconds < minimumMeasuredSeconds)
        {
            let before = ContinuousClock.now
            _ = try pageCount(of: source)
            let opened = ContinuousClock.now
            try Self.split(source, ranges: ranges, to: outputs)
            open.append((opened - before).seconds)
            split.append((ContinuousClock.now - opened).seconds)
        }
        return (split, open)
    }

    // MARK: The process

    /// This process's resident high-water mark so far, in KiB (Linux's unit for `ru_maxrss`).
    private static func peakResidentKilobytes() -> Int {
        var usage = rusage()
        return getrusage(RUSAGE_SELF.rawValue, &usage) == 0 ? usage.ru_maxrss : 0
    }

    /// The version of the libqpdf this process has loaded (Debian's may differ from the one pikepdf bundles, which
    /// matters when comparing them). Looked up by name, like `sched_setaffinity` in `CPUAffinity`, because only
    /// PDFAssembly may import CQPDF and its API has no reason to carry a version.
    private static func linkedQPDFVersion() -> String {
        typealias VersionCall = @convention(c) () -> UnsafePointer<CChar>?
        guard let process = dlopen(nil, RTLD_NOW) else { return "?" }
        defer { dlclose(process) }
        guard let symbol = dlsym(process, "qpdf_get_qpdf_version"),
            let version = unsafeBitCast(symbol, to: VersionCall.self)()
        else { return "?" }
        return String(cString: version)
    }
}

// MARK: Figures, the report, and what the peer prints

extension SplitBenchmark {
    /// Seconds one stage took, summed over the measured splits (the peer prints these).
    struct StageTotal: Codable {
        var name: String
        var seconds: Double
    }

    /// One stage's mean per split.
    struct Stage: Encodable, Hashable {
        var name: String
        var meanMilliseconds: Double
    }

    /// How one side split the bundle.
    struct SplitFigures: Encodable, Hashable {
        var name: String
        var splits: Int
        var meanSeconds: Double
        var medianSeconds: Double
        var pagesPerSecond: Double
        var stages: [Stage]
        /// The documents of one split together.
        var bytesWritten: Int64
        var peakResidentKilobytes: Int

        init(
            name: String, splitSeconds: [Double], stageTotals: [StageTotal], pages: Int, bytesWritten: Int64,
            peakResidentKilobytes: Int
        ) {
            let ordered = splitSeconds.sorted()
            let count = ordered.count
            self.name = name
            splits = count
            meanSeconds = ordered.reduce(0, +) / Double(count)
            medianSeconds = (ordered[(count - 1) / 2] + ordered[count / 2]) / 2
            pagesPerSecond = Double(pages) / meanSeconds
            stages = stageTotals.map { Stage(name: $0.name, meanMilliseconds: $0.seconds / Double(count) * 1000) }
            self.bytesWritten = bytesWritten
            self.peakResidentKilobytes = peakResidentKilobytes
        }
    }

    /// `null` rather than absent where the peer did not run or a goal could not be judged, so every run has the
    /// same keys.
    struct Report: BenchmarkReport {
        struct Bundle: Encodable {
            /// Absent when the bundle was built for this run.
            var file: String?
            var label: String
            var pages: Int
            var bytes: Int64
            /// The documents' page ranges, as both sides were given them.
            var documents: [PageRange]
        }
        /// 1-based, inclusive.
        struct PageRange: Encodable {
            var first: Int
            var last: Int
        }
        struct Goals: Encodable {
            var ratio: Double
            @NullEncodable var ratioMet: Bool?
            var peakResidentBytes: Int64
            var peakMinimumBundleBytes: Int64
            /// Nil when the bundle is smaller than the goal is about.
            @NullEncodable var peakMet: Bool?
        }
        var date: String
        var machine: Machine
        var bundle: Bundle
        var splits: Int
        var intake: SplitFigures
        @NullEncodable var pikepdf: SplitFigures?
        /// pikepdf's mean seconds per split ÷ intake's: above 1, intake is faster.
        @NullEncodable var ratio: Double?
        var goals: Goals

        var table: String {
            let sides = [intake] + (pikepdf.map { [$0] } ?? [])
            /// "intake", "pikepdf": what the stage rows start with.
            func who(_ side: SplitFigures) -> String { side.name.split(separator: " ").first.map(String.init) ?? "" }
            func stageLabel(_ side: SplitFigures, _ stage: Stage) -> String { "  \(who(side)): \(stage.name)" }
            let labels = sides.map(\.name) + sides.flatMap { side in side.stages.map { stageLabel(side, $0) } }
            let width = (labels.map(\.count).max() ?? 0) + 2
            func row(_ label: String, _ values: [String]) -> String {
                label.padding(toLength: width, withPad: " ", startingAt: 0)
                    + values.map { String(repeating: " ", count: max(0, 13 - $0.count)) + $0 }.joined()
            }
            func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
            func peak(_ side: SplitFigures) -> String { megabytes(Int64(side.peakResidentKilobytes) * 1024) }
            func figures(_ side: SplitFigures) -> String {
                row(
                    side.name,
                    [
                        String(format: "%.4f", side.meanSeconds), String(format: "%.4f", side.medianSeconds),
                        String(format: "%.0f", side.pagesPerSecond), megabytes(side.bytesWritten), peak(side),
                    ])
            }
            let sizes = Set(bundle.documents.map { $0.last - $0.first + 1 })
            let pagesEach = sizes.count == 1 ? "\(sizes.first ?? 0)" : "\(sizes.min() ?? 0)–\(sizes.max() ?? 0)"
            var lines = [
                "intake-bench split \(date): \(bundle.label) (\(bundle.pages) pages, \(megabytes(bundle.bytes)) MB)"
                    + " into \(bundle.documents.count) documents of \(pagesEach) pages,"
                    + " \(splits) split\(splits == 1 ? "" : "s") after a warm-up",
                machine.summary,
                "documents checked once: each passes qpdf --check and has its range's page count",
                "",
                row("", ["s/split", "median s", "pages/s", "written MB", "peak RSS MB"]),
            ]
            lines += sides.map(figures)
            lines.append("")
            if let ratio {
                let verdict = ratio >= goals.ratio ? "met" : "not met"
                let figure = String(format: "%.2f× (goal ≥ %.2f×, no slower than pikepdf)", ratio, goals.ratio)
                lines.append("pikepdf ÷ intake: \(figure): \(verdict)")
            } else {
                lines.append("pikepdf ÷ intake: no figure, the peer did not run")
            }
            let goal = String(
                format: "goal < %.0f MB on a bundle ≥ %.0f MB", Double(goals.peakResidentBytes) / 1e6,
                Double(goals.peakMinimumBundleBytes) / 1e6)
            let verdict = goals.peakMet.map { $0 ? "met" : "not met" } ?? "not applicable to this bundle"
            let peaks = sides.map { "\(who($0)) \(peak($0)) MB" }.joined(separator: ", ")
            lines.append("peak resident: \(peaks) (\(goal), for intake): \(verdict)")
            lines += ["", "per split, mean ms"]
            for side in sides {
                lines += side.stages.map { row(stageLabel(side, $0), [String(format: "%.1f", $0.meanMilliseconds)]) }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// What `Benchmarks/split_peer.py` prints.
    struct PeerOutput: Decodable {
        var name: String
        var splitSeconds: [Double]
        var stages: [StageTotal]
        var bytesWritten: Int64
        var peakResidentKilobytes: Int
    }
}
