import ArgumentParser
import FileInspection
import Foundation
import IntakeApplication
import IntakeCore
import PhotoInspection

/// `intake-bench photo`: how long checking one face photo takes on one core — the whole check the worker's
/// inspector makes, then the photo rules — and, apart, the one-time cost of loading the landmark model; beside
/// OpenCV's Haar cascade finding faces in the same photos in the same run. Benchmarks/README.md ("Face photos") says
/// what is measured and keeps the latest figures.
///
/// Synchronous on purpose, like `check`: decoding and dlib block, and a benchmark that shares no thread with
/// anything else needs no cooperative pool.
struct PhotoBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "photo",
        abstract:
            "Measure checking one face photo on one core beside OpenCV's face detection (see Benchmarks/README.md).")
    static let roundsHelp = "Measured rounds over the photos, after one warm-up round (default: \(defaultRounds))."
    static let peerNeeds = "OpenCV 4"

    @OptionGroup var settingsOptions: SettingsOptions

    @Option(
        name: .customLong("photo"),
        help: """
            A JPEG or PNG to measure instead of the fixtures; repeat for more (default: every *.jpg and *.png in \
            \(fixtureFolder), and good.jpg enlarged to 600×800).
            """)
    var photos: [String] = []

    @Option(help: "The face model: a folder of MediaPipe ONNX files (the default), or a dlib 68-point .dat file.")
    var landmarkModel = PhotoInspector.defaultLandmarkModel

    @OptionGroup var options: BenchmarkOptions<Self>

    static let defaultRounds = 20
    static let fixtureFolder = "Tests/Fixtures/Photos"
    static let peerScript = "Benchmarks/photo_peer.py"
    /// The issue: "one photo of about 600×800 checked in at most 150 ms on one core".
    static let goalMilliseconds = 150.0
    /// "About 600×800" (480,000 pixels): half as many to half as many again. The work of a check that grows with
    /// the photo (decoding, orientation, luma, the measurements) grows with its pixels.
    static let goalPixels = 240_000...720_000

    func run() throws {
        let machine = Machine.pinnedToOneCPU()
        let settings = try settingsOptions.settings()
        let checker = try Checker(
            rules: FileRules(policy: settings.policy), landmarkModel: landmarkModel)
        let workspace = try TemporaryFolder()
        let givenPhotos = photos.map { Subject(path: $0, origin: "--photo") }
        let subjects = try givenPhotos.isEmpty ? Self.fixtures() : givenPhotos
        let rounds = options.rounds ?? Self.defaultRounds

        // Warm-up: loads libmagic's database and the landmark model, fills the page cache and the allocators' pools.
        // Every round gives the same facts, so the warm-up's stand for them all.
        let judged = try subjects.map { try checker.check($0.path).judged }
        // After the warm-up, so the model file is in the page cache, as it is for every inspector process but the
        // first after a boot.
        let modelLoadSeconds = try Self.timeModelLoad(landmarkModel)

        var samples = [StageSamples](repeating: StageSamples(), count: subjects.count)
        for _ in 0..<rounds {
            for (index, subject) in subjects.enumerated() {
                samples[index].append(try checker.check(subject.path).times)
            }
        }

        let peer = Result {
            let output = try Processes.peer(
                PeerOutput.self, python: options.peerPython, script: Self.peerScript,
                arguments: ["--rounds", String(rounds)] + subjects.map(\.path), scratch: workspace.path)
            guard output.photos.count == subjects.count else {
                throw BenchmarkError("\(Self.peerScript) measured \(output.photos.count) photos of \(subjects.count)")
            }
            return output
        }
        let peerOutput = try? peer.get()
        let figures = subjects.indices.map { index in
            PhotoFigures(
                subject: subjects[index], judged: judged[index], samples: samples[index],
                peer: peerOutput.map {
                    PeerPhoto(faces: $0.photos[index].faces, check: Latency($0.photos[index].seconds))
                })
        }
        let report = Report(
            date: ISO8601DateFormatter().string(from: Date()),
            machine: machine,
            rounds: rounds,
            landmarkModel: .init(
                path: landmarkModel, bytes: fileSize(landmarkModel), loadSeconds: modelLoadSeconds),
            photos: figures,
            goal: Goal(photos: figures),
            peer: peerOutput.map { Report.Peer(name: $0.name, loadSeconds: $0.loadSeconds) },
            peerFailure: peer.failure.map { "\($0)" },
            ratio: Report.ratio(figures))
        try options.print(report, peerFailure: peer.failure)
    }

    // MARK: The photos

    /// A photo to measure, and where it came from.
    struct Subject {
        var path: String
        /// "fixture", "--photo", or how the photo was made for this run.
        var origin: String
    }

    /// Every JPEG and PNG fixture, in name order: most are 480 × 640; good-600x800.jpg is the good portrait at the
    /// size the goal is stated for, two-people.jpg is 600 × 800 with two faces, face-too-small.jpg 720 × 960.
    private static func fixtures() throws -> [Subject] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: fixtureFolder) else {
            throw BenchmarkError("\(fixtureFolder) not found: run from the package root or pass --photo FILE")
        }
        return names.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted().map {
            Subject(path: "\(fixtureFolder)/\($0)", origin: "fixture")
        }
    }

    // MARK: Checking and timing

    /// The seconds of one `PhotoInspector.prepare()`: reading and deserialising the landmark model, which an
    /// inspector process does once, on its first photo.
    private static func timeModelLoad(_ path: String) throws -> Double {
        let start = ContinuousClock.now
        do {
            try PhotoInspector(landmarkModelPath: path).prepare()
        } catch {
            throw BenchmarkError("cannot load the landmark model: \(error)")
        }
        return (ContinuousClock.now - start).seconds
    }

    /// One photo checked as `intake check` and the worker do it, in this process: `FileInspector` (as the inspector
    /// child runs it), then `FileRules` for the photo slot.
    struct Checker {
        let inspector: FileInspector
        let rules: FileRules
        let landmarkModel: String
        /// The photo's age is counted back from this day, as for an upload arriving today.
        let submittedOn = CalendarDay(japanTime: Date().timeIntervalSince1970)

        init(rules: FileRules, landmarkModel: String) throws {
            do {
                inspector = try FileInspector()
            } catch {
                throw BenchmarkError(error.description)
            }
            self.rules = rules
            self.landmarkModel = landmarkModel
        }

        /// Checks the photo at `path`, timing each stage on `FileInspector`'s own seam: its `onSniffed` callback
        /// fires after mapping, libmagic and SHA-256, before the photo is decoded.
        func check(_ path: String) throws -> (times: StageTimes, judged: (findings: [Finding], facts: FileFacts)) {
            let start = ContinuousClock.now
            var sniffed = start
            let facts = inspector.inspect(path: path, landmarkModel: landmarkModel) { _ in
                sniffed = ContinuousClock.now
            }
            let inspected = ContinuousClock.now
            let judged = rules.judge(
                facts, fileName: (path as NSString).lastPathComponent, slot: .photo, submittedOn: submittedOn)
            let end = ContinuousClock.now
            // A benchmark of a failing path measures nothing: every photo must be decoded and measured.
            if let failure = facts.inspectionFailure {
                throw BenchmarkError("cannot inspect \(path): \(failure.message)")
            }
            guard let photo = facts.photo else {
                throw BenchmarkError("\(path) is \(facts.mime), not a JPEG or PNG")
            }
            if let decodeError = photo.decodeError {
                throw BenchmarkError("cannot decode \(path): \(decodeError)")
            }
            let times = StageTimes(
                sniff: (sniffed - start).seconds, photo: (inspected - sniffed).seconds, rules: (end - inspected).seconds
            )
            return (times, judged)
        }
    }

    /// Seconds of each stage of one check.
    struct StageTimes {
        var sniff: Double
        var photo: Double
        var rules: Double
    }

    /// One photo's stage times over the rounds.
    struct StageSamples {
        var checks: [Double] = []
        var sniff = 0.0
        var photo = 0.0
        var rules = 0.0

        mutating func append(_ times: StageTimes) {
            checks.append(times.sniff + times.photo + times.rules)
            sniff += times.sniff
            photo += times.photo
            rules += times.rules
        }
    }
}

// MARK: Figures, the report, and what the peer prints

extension PhotoBenchmark {
    /// Mean milliseconds of each stage of a check.
    struct Stages: Encodable {
        /// Mapping the file, libmagic and SHA-256.
        var sniff: Double
        /// Decoding, EXIF orientation, face detection, landmarks and measurements.
        var photo: Double
        /// `FileRules` for the photo slot.
        var rules: Double
    }

    /// What the peer found and how long it took on one photo.
    struct PeerPhoto: Encodable, Hashable {
        var faces: Int
        var check: Latency
    }

    /// How one photo was checked.
    struct PhotoFigures: Encodable {
        var file: String
        var origin: String
        var width: Int
        var height: Int
        var bytes: Int64
        var faces: Int
        /// The codes of the findings the rules gave: none for a photo that passes.
        var findings: [String]
        /// The whole check: inspection and rules.
        var check: Latency
        var stagesMeanMilliseconds: Stages
        /// `null` rather than absent when the peer did not run, so every run has the same keys.
        @NullEncodable var peer: PeerPhoto?

        var pixels: Int { width * height }

        init(subject: Subject, judged: (findings: [Finding], facts: FileFacts), samples: StageSamples, peer: PeerPhoto?)
        {
            let photo = judged.facts.photo
            file = (subject.path as NSString).lastPathComponent
            origin = subject.origin
            width = photo?.width ?? 0
            height = photo?.height ?? 0
            bytes = judged.facts.bytes
            faces = photo?.faces.count ?? 0
            findings = judged.findings.map(\.code.rawValue)
            check = Latency(samples.checks)
            let scale = 1000 / Double(samples.checks.count)
            stagesMeanMilliseconds = Stages(
                sniff: samples.sniff * scale, photo: samples.photo * scale, rules: samples.rules * scale)
            self.peer = peer
        }
    }

    /// The issue's goal, judged on the 95th percentile of every photo of about 600 × 800. `null` rather than absent
    /// when there is nothing to judge, so every run has the same keys.
    struct Goal: Encodable {
        var milliseconds = PhotoBenchmark.goalMilliseconds
        var minimumPixels = PhotoBenchmark.goalPixels.lowerBound
        var maximumPixels = PhotoBenchmark.goalPixels.upperBound
        /// The photos the goal is about.
        var photos: [String]
        @NullEncodable var worstP95Milliseconds: Double?
        /// Nil when no photo measured is about 600 × 800.
        @NullEncodable var met: Bool?

        init(photos figures: [PhotoFigures]) {
            let about = figures.filter { PhotoBenchmark.goalPixels.contains($0.pixels) }
            photos = about.map(\.file)
            worstP95Milliseconds = about.map(\.check.p95Milliseconds).max()
            met = worstP95Milliseconds.map { $0 <= milliseconds }
        }
    }

    /// `null` rather than absent where the peer did not run, so every run has the same keys.
    struct Report: BenchmarkReport {
        struct LandmarkModel: Encodable {
            var path: String
            var bytes: Int64
            var loadSeconds: Double
        }
        struct Peer: Encodable, Hashable {
            var name: String
            /// Loading the cascade, once.
            var loadSeconds: Double
        }
        var date: String
        var machine: Machine
        var rounds: Int
        var landmarkModel: LandmarkModel
        var photos: [PhotoFigures]
        var goal: Goal
        @NullEncodable var peer: Peer?
        /// Why the peer has no figures.
        @NullEncodable var peerFailure: String?
        /// The peer's seconds for a round of the photos ÷ intake's (`ratio(_:)`).
        @NullEncodable var ratio: Double?

        /// The peer's seconds for a round of the photos ÷ intake's: not the same work (see `detectionOnly`), so
        /// it says what face detection alone costs with a common library, not who is faster.
        static func ratio(_ photos: [PhotoFigures]) -> Double? {
            let peerPhotos = photos.compactMap(\.peer)
            guard peerPhotos.count == photos.count, !photos.isEmpty else { return nil }
            return peerPhotos.map(\.check.meanMilliseconds).reduce(0, +)
                / photos.map(\.check.meanMilliseconds).reduce(0, +)
        }
        static let detectionOnly =
            "detection only: decode, grey, a 480-pixel copy, Haar cascade; no landmarks, measurements or rules"

        var table: String {
            let width = (photos.map(\.file.count).max() ?? 0) + 3
            func columns(_ values: [String], width: Int) -> String {
                values.map { String(repeating: " ", count: max(0, width - $0.count)) + $0 }.joined()
            }
            /// The peer's columns are wider, for headers that say whose they are.
            func row(_ label: String, _ values: [String], peer: [String] = []) -> String {
                label.padding(toLength: width, withPad: " ", startingAt: 0) + columns(values, width: 10)
                    + columns(peer, width: 14)
            }
            func milliseconds(_ value: Double) -> String { String(format: "%.1f", value) }
            func figures(_ photo: PhotoFigures) -> String {
                let stages = photo.stagesMeanMilliseconds
                let label = photo.file
                let own = [
                    "\(photo.width)×\(photo.height)", "\(photo.faces)", milliseconds(photo.check.meanMilliseconds),
                    milliseconds(photo.check.medianMilliseconds), milliseconds(photo.check.p95Milliseconds),
                    String(format: "%.2f", stages.sniff), milliseconds(stages.photo),
                    String(format: "%.3f", stages.rules),
                ]
                let theirs = photo.peer.map { ["\($0.faces)", milliseconds($0.check.medianMilliseconds)] } ?? []
                return row(label, own, peer: theirs)
            }
            let model = String(
                format: "%@ (%.1f MB): %.2f s to load, once per inspector process",
                (landmarkModel.path as NSString).lastPathComponent, Double(landmarkModel.bytes) / 1e6,
                landmarkModel.loadSeconds)
            var lines = [
                "intake-bench photo \(date): \(photos.count) photos, \(rounds) round\(rounds == 1 ? "" : "s") after a"
                    + " warm-up, each photo checked alone",
                machine.summary,
                "landmark model \(model)",
                "check = sniff (map, libmagic, SHA-256) + photo (decode, EXIF orientation, faces, landmarks,"
                    + " measurements) + rules",
                "",
                row(
                    "", ["size", "faces", "mean ms", "median ms", "p95 ms", "sniff ms", "photo ms", "rules ms"],
                    peer: peer == nil ? [] : ["OpenCV faces", "OpenCV med ms"]),
            ]
            lines += photos.map(figures)
            lines.append("")
            let goalPhotos =
                "\(goal.photos.count) photo\(goal.photos.count == 1 ? "" : "s") of"
                + " \(goal.minimumPixels / 1000)k–\(goal.maximumPixels / 1000)k pixels"
            if let worst = goal.worstP95Milliseconds, let met = goal.met {
                let slowest = photos.first { goal.photos.contains($0.file) && $0.check.p95Milliseconds == worst }
                lines.append(
                    "goal ≤ \(Int(goal.milliseconds)) ms per photo of about 600×800, p95 of each (\(goalPhotos)):"
                        + " worst \(milliseconds(worst)) ms (\(slowest?.file ?? "?")): \(met ? "met" : "not met")")
            } else {
                lines.append(
                    "goal ≤ \(Int(goal.milliseconds)) ms per photo of about 600×800: no photo of that size measured")
            }
            if let peer, let ratio {
                lines.append(
                    String(format: "OpenCV ÷ intake, a round of the photos: %.2f×", ratio)
                        + " (\(peer.name), \(Self.detectionOnly); cascade loaded in"
                        + String(format: " %.3f s)", peer.loadSeconds))
            } else {
                lines.append("no peer: \(peerFailure ?? "?")")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// What `Benchmarks/photo_peer.py` prints.
    struct PeerOutput: Decodable {
        struct Photo: Decodable {
            var faces: Int
            var seconds: [Double]
        }
        var name: String
        var loadSeconds: Double
        var photos: [Photo]
    }
}
