import Foundation

/// The processes a benchmark starts besides what it measures: the tools that make or check its inputs, and the
/// peer scripts measured beside it.
enum Processes {
    /// Runs `tool` (found on PATH, or a path) with its output discarded, since it would break `--json`; a failure
    /// is an error that names the command.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let command = ([tool] + arguments).joined(separator: " ")
            throw BenchmarkError("`\(command)` exited with status \(process.terminationStatus)")
        }
    }

    /// Runs a peer script (`Benchmarks/*_peer.py`) with `python`, on the CPU this process is pinned to (the peer
    /// inherits the mask), and decodes the one JSON document it prints with `keys`. `scratch` is a folder for its
    /// stderr, read back for the one-line reason when it fails.
    static func peer<Output: Decodable>(
        _ output: Output.Type, python: String, script: String, arguments: [String], scratch: String,
        keys: JSONDecoder.KeyDecodingStrategy = .convertFromSnakeCase
    ) throws -> Output {
        let data = try peerOutput(python: python, script: script, arguments: arguments, scratch: scratch)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = keys
        do {
            return try decoder.decode(Output.self, from: data)
        } catch {
            throw BenchmarkError("\(script) printed no figures: \(error)")
        }
    }

    private static func peerOutput(python: String, script: String, arguments: [String], scratch: String) throws
        -> Data
    {
        guard FileManager.default.fileExists(atPath: script) else {
            throw BenchmarkError("\(script) not found (run from the package root)")
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
            throw BenchmarkError("cannot capture the peer's stderr")
        }
        process.standardOutput = output
        process.standardError = errorHandle
        do {
            try process.run()
        } catch {
            throw BenchmarkError("cannot start \(python): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errorHandle.close()
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            let last = stderr.split(separator: "\n").last.map(String.init) ?? "no message"
            throw BenchmarkError("\(python) \(script) exited with status \(process.terminationStatus): \(last)")
        }
        return data
    }
}
