import Foundation

/// Helpers shared by the test targets: the package root, the real-tool corpus, temporary folders, subprocesses.
public enum TestSupport {
    /// The package root, found from this source file's path.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The corpus `scripts/make-corpus.sh` builds with groff, qpdf and poppler-utils, made once per test process.
    public static let corpus: URL = {
        let directory = makeTemporaryDirectory(prefix: "corpus")
        let result = run(
            packageRoot.appendingPathComponent("scripts/make-corpus.sh").path, [directory.path, "--big"])
        precondition(result.status == 0, "make-corpus.sh failed: \(result.standardError)")
        return directory
    }()

    /// The `intake` binary built beside the test bundle (`swift build --build-tests` builds both).
    public static let intakeExecutable: String = {
        let testBinary =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
        // On Linux the test binary sits in `…/debug/IntakePackageTests.xctest`; the tool is `…/debug/intake`.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("intake").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        preconditionFailure("intake binary not found next to \(testBinary): run `swift build --build-tests` first")
    }()

    /// A file of the corpus.
    public static func corpusFile(_ name: String) -> String {
        corpus.appendingPathComponent(name).path
    }

    /// An input a fuzz target (`Fuzz/`) once crashed or hung on, kept under `Tests/Fixtures/Fuzz/TARGET/NAME` so
    /// that the parser's own tests replay it through the same entry point.
    public static func fuzzInput(_ target: String, _ name: String) -> [UInt8] {
        let url = packageRoot.appendingPathComponent("Tests/Fixtures/Fuzz/\(target)/\(name)")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            preconditionFailure("no fuzz input at \(url.path)")
        }
        return Array(data)
    }

    /// A new empty folder under the system's temporary folder.
    public static func makeTemporaryDirectory(prefix: String) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("intake-\(prefix)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// What a finished subprocess did.
    public struct ProcessResult: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// `run` on a thread of its own: for async tests, so that waiting on a long subprocess does not hold one of the
    /// few threads of the cooperative pool that servers under test in the same process need.
    public static func runDetached(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    ) async -> ProcessResult {
        await detached { run(executable, arguments, environment: environment) }
    }

    /// Blocking work on a Dispatch thread, awaited without holding a cooperative thread.
    public static func detached<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Runs a program to completion, capturing its output.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: URL? = nil
    ) -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try! process.run()
        // Read both pipes to the end before waiting, so a chatty process cannot block on a full pipe.
        let errorData = Locked(Data())
        let errorReader = Thread { errorData.value = error.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return ProcessResult(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self))
    }
}

/// A value written by one thread and read by another.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    private var written = false
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set {
            lock.withLock {
                stored = newValue; written = true
            }
        }
    }
    var isSet: Bool { lock.withLock { written } }
}
