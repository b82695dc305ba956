import ArgumentParser
import IntakeCore
import IntakeWorker

/// `intake inspect-server`: the isolated inspector child. Not for people: the worker starts it.
struct InspectServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-server", abstract: "Isolated inspector process (started by the worker).",
        shouldDisplay: false)

    @Option(help: "Address-space ceiling, e.g. 2GiB.")
    var memoryLimit: String

    func run() throws {
        guard let limit = ByteSize(parsing: memoryLimit) else {
            throw OperationalError("--memory-limit needs a size with a unit")
        }
        throw ExitCode(InspectionServer.serve(memoryLimit: limit))
    }
}
