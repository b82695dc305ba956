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

    @Flag(help: "Confine the process (no_new_privs, Landlock, seccomp) before reading requests.")
    var confine = false

    @Option(help: "A folder or file readable once confined (repeatable).")
    var read: [String] = []

    @Option(help: "A folder writable once confined (repeatable).")
    var write: [String] = []

    @Option(help: "User id to become once set up (with --gid).")
    var uid: UInt32?

    @Option(help: "Group id to become once set up (with --uid).")
    var gid: UInt32?

    func run() throws {
        guard let limit = ByteSize(parsing: memoryLimit) else {
            throw OperationalError("--memory-limit needs a size with a unit")
        }
        let owner = uid.flatMap { uid in gid.map { (uid: uid, gid: $0) } }
        let confinement = confine ? InspectionServer.Confinement(readable: read, writable: write, owner: owner) : nil
        throw ExitCode(InspectionServer.serve(memoryLimit: limit, confinement: confinement))
    }
}
