import ArchiveInspection
import FileInspection
import Foundation
import Glibc
import IntakeCore
import PDFAssembly

/// The child side of isolated inspection: `intake inspect-server` runs this.
///
/// It lowers its own address-space limit first, so a parser that balloons fails here, not in the worker, loads
/// what it needs, confines itself (`Confinement`), then answers requests from standard input until it closes.
/// Only protocol lines go to standard output.
public enum InspectionServer {
    /// How the child confines itself once set up: what the worker's `InspectionConfinement` became on its command
    /// line, with the user already resolved to numbers.
    public struct Confinement: Sendable {
        public var readable: [String]
        public var writable: [String]
        /// The unprivileged user and group to become; nil stays the worker's user.
        public var owner: (uid: uid_t, gid: gid_t)?

        public init(readable: [String], writable: [String], owner: (uid: uid_t, gid: gid_t)?) {
            self.readable = readable
            self.writable = writable
            self.owner = owner
        }
    }

    /// Why the child could not serve at all, as its exit status: distinct from a parser crash, so the worker can
    /// retry later instead of rejecting the file.
    public enum SetupFailure: Int32, CustomStringConvertible {
        case memoryLimit = 3
        case typeDatabase = 4
        case protocolError = 5
        case pipe = 6
        case confinement = 7

        init?(exitStatus status: Int32) {
            guard status & 0x7f == 0 else { return nil }  // killed by a signal: not a setup failure
            self.init(rawValue: (status >> 8) & 0xff)
        }

        public var description: String {
            switch self {
            case .memoryLimit: "could not set the memory ceiling"
            case .typeDatabase: "could not load the libmagic type database"
            case .protocolError: "could not read the request"
            case .pipe: "could not write its answer"
            case .confinement: "could not confine itself (no_new_privs, Landlock, seccomp or inspection.user)"
            }
        }
    }

    /// `confinement` nil runs unconfined (`inspection.confine = false`).
    public static func serve(memoryLimit: ByteSize, confinement: Confinement?) -> Int32 {
        // First, before any library opens its own: what the worker leaked is not the child's to hold.
        guard Sandbox.closeInherited() else { return SetupFailure.confinement.rawValue }
        var limit = rlimit(rlim_cur: rlim_t(memoryLimit.bytes), rlim_max: rlim_t(memoryLimit.bytes))
        guard setrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0 else { return SetupFailure.memoryLimit.rawValue }
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &noCore)

        let inspector: FileInspector
        do {
            inspector = try FileInspector()
        } catch {
            return SetupFailure.typeDatabase.rawValue
        }
        // The face model loads on the first photo, after confining, so that the threads its library starts are
        // inside the Landlock domain, and a child that only ever sees PDFs never spends the ~0.1 s. A model that
        // does not load is reported on that photo (the job retries).
        if let confinement {
            do {
                // The file-size ceiling: nothing the child writes (a split item, an archive entry) can be larger
                // than what it may hold in memory.
                try Sandbox.confine(
                    readable: confinement.readable, writable: confinement.writable, owner: confinement.owner,
                    maxFileSize: memoryLimit.bytes)
            } catch {
                return SetupFailure.confinement.rawValue
            }
        }
        // After confining: a thread started earlier would be outside the Landlock domain.
        exitWhenOrphaned()
        let probes = ProcessInfo.processInfo.environment[InspectionProtocol.Probe.environmentKey] == "1"
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        while let line = readLine(strippingNewline: true) {
            guard let request = try? decoder.decode(InspectionProtocol.Request.self, from: Data(line.utf8)),
                request.split.map({
                    $0.ranges.count == $0.outputs.count && $0.ranges.allSatisfy { $0.count == 2 && $0[0] <= $0[1] }
                })
                    ?? true
            else {
                return SetupFailure.protocolError.rawValue
            }
            if let probe = request.probe {
                guard probes else { return SetupFailure.protocolError.rawValue }
                send(InspectionProtocol.Response(stage: .done, facts: probe.attempt()), encoder)
                continue
            }
            if let archive = request.archive {
                let listing = ArchiveReader.read(path: request.path, scratch: archive.scratch, limits: archive.limits)
                send(InspectionProtocol.Response(stage: .done, facts: nil, archive: listing), encoder)
                continue
            }
            if let split = request.split {
                var failure: String?
                do {
                    try PDFAssembler.extract(
                        source: request.path, ranges: split.ranges.map { $0[0]...$0[1] }, to: split.outputs)
                } catch {
                    failure = error.description
                }
                send(InspectionProtocol.Response(stage: .done, facts: nil, splitError: failure), encoder)
                continue
            }
            let facts = inspector.inspect(
                path: request.path, separators: request.separators, landmarkModel: request.landmarkModel
            ) { sniffed in
                send(InspectionProtocol.Response(stage: .sniffed, facts: sniffed), encoder)
            }
            send(InspectionProtocol.Response(stage: .done, facts: facts), encoder)
        }
        return 0
    }

    /// Ends this process when the worker that started it dies, even while a parser is stuck in C code: a killed
    /// worker must not leave children spinning on a hostile file. (`prctl(PR_SET_PDEATHSIG)` is variadic, which
    /// Swift cannot call; watching `getppid()` from a second thread does the same within a second.)
    private static func exitWhenOrphaned() {
        let parent = getppid()
        Thread.detachNewThread {
            while true {
                sleep(1)
                if getppid() != parent { _exit(0) }
            }
        }
    }

    private static func send(_ response: InspectionProtocol.Response, _ encoder: JSONEncoder) {
        guard var data = try? encoder.encode(response) else { return }
        data.append(UInt8(ascii: "\n"))
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    exit(SetupFailure.pipe.rawValue)
                }
                offset += written
            }
        }
    }
}
