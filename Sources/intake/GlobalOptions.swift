import ArgumentParser
import ContentAddressing
import Foundation
import IntakeCore
import IntakeStore
import IntakeWorker

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Configuration file (default: Config/intake.conf, or INTAKE_CONFIG).")
    var config: String?

    @Option(help: "Data folder holding the database and blobs (default: ./.intake, or INTAKE_DATA).")
    var data: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var dataFolder: String { data ?? environment["INTAKE_DATA"] ?? "./.intake" }

    /// The configuration file's values layered with its `extends` bases and `INTAKE_*` variables.
    func loadConfiguration() throws -> Configuration {
        let path = config ?? environment["INTAKE_CONFIG"] ?? Self.defaultConfigurationFile()
        var configuration = Configuration()
        do {
            try Self.merge(path: path, into: &configuration, depth: 0)
        } catch let error as ConfigurationError {
            throw OperationalError(error.description)
        }
        configuration.merge(environment: environment)
        return configuration
    }

    /// `Config/intake.conf` in the current folder, else beside the checkout the binary was built in (walking up
    /// from `.build/…/intake`), else `/etc/intake/intake.conf`: `intake check` works from any folder.
    static func defaultConfigurationFile() -> String {
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

    private static func merge(path: String, into configuration: inout Configuration, depth: Int) throws {
        guard depth < 8 else { throw OperationalError("configuration: `extends` nests too deep at \(path)") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw OperationalError("cannot read configuration file \(path) (pass --config FILE)")
        }
        if let base = try Configuration.baseFile(of: text) {
            let directory = (path as NSString).deletingLastPathComponent
            try merge(path: (directory as NSString).appendingPathComponent(base), into: &configuration, depth: depth + 1)
        }
        try configuration.merge(fileText: text, origin: path)
    }

    func loadPolicy(_ configuration: Configuration) throws -> Policy {
        do {
            return try Policy(configuration: configuration)
        } catch {
            throw OperationalError(error.description)
        }
    }

    func loadSettings(_ configuration: Configuration) throws -> WorkerSettings {
        do {
            return try WorkerSettings(configuration: configuration, cores: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            throw OperationalError(error.description)
        }
    }

    /// Opens the store and blob folder inside the data folder, creating them on first use.
    func openStore() throws -> (store: SQLiteStore, blobs: BlobStore) {
        do {
            try FileManager.default.createDirectory(atPath: dataFolder, withIntermediateDirectories: true)
            let blobs = try BlobStore(root: dataFolder + "/blobs")
            let store = try SQLiteStore(path: dataFolder + "/intake.sqlite")
            return (store, blobs)
        } catch let error as FileAccessError {
            throw OperationalError("data folder \(dataFolder): \(error.message)")
        } catch {
            throw OperationalError("data folder \(dataFolder): \(error)")
        }
    }
}

/// This executable's own path, for spawning inspector children.
func currentExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

func now() -> Double { Date().timeIntervalSince1970 }
