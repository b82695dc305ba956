import ArchiveInspection
import Foundation
import Glibc
import IntakeCore

/// Runs inspection in a long-lived child process (`intake inspect-server`) so that a parser that hangs, crashes
/// or balloons on a hostile file costs one child, never the worker.
///
/// The worker, not the library, enforces the limits: each request has a deadline (the child is killed with
/// SIGKILL when it passes) and the child runs under an address-space ceiling. Either breach, a crash, or garbage
/// on the pipe comes back as facts with `inspectionFailure` set, which the rules turn into a finding. The child
/// is restarted for the next file. Reusing one child across files keeps the per-file cost at a pipe round trip.
///
/// Blocking and not thread-safe: one caller at a time (`InspectorPool` sees to that), off the cooperative pool.
public final class IsolatedInspector: @unchecked Sendable {
    private let executable: String
    private let limits: InspectionLimits
    private let confinement: InspectionConfinement
    /// The user the child becomes, resolved once; nil when it keeps the worker's (not root, or no switch asked).
    private let owner: Result<(uid: uid_t, gid: gid_t), SpawnError>?
    private var child: Child?
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    private struct Child {
        var pid: pid_t
        var input: Int32
        var output: Int32
        var buffer: [UInt8] = []
        /// How much of `buffer` is known to hold no newline.
        var searched = 0
    }

    public init(executable: String, limits: InspectionLimits, confinement: InspectionConfinement) {
        self.executable = executable
        self.limits = limits
        self.confinement = confinement
        owner = Self.resolveOwner(confinement)
    }

    private static func resolveOwner(_ confinement: InspectionConfinement) -> Result<
        (uid: uid_t, gid: gid_t), SpawnError
    >? {
        guard confinement.isEnabled, geteuid() == 0, let user = confinement.user, !user.isEmpty else { return nil }
        guard let entry = getpwnam(user) else {
            return .failure(SpawnError(message: "inspection.user \(user): no such user"))
        }
        return .success((entry.pointee.pw_uid, entry.pointee.pw_gid))
    }

    deinit { stopChild(kill: false) }

    /// Inspects the file at `path` within the limits. Never throws.
    ///
    /// A crash or a timeout is confirmed once on a fresh child before it is reported: the child is reused across
    /// files, and damage done by an earlier hostile file must not be blamed on this one.
    /// With `landmarkModel`, a JPEG or PNG is also measured as a face photo using that model.
    public func inspect(path: String, separators: SeparatorRule? = nil, landmarkModel: String? = nil) -> FileFacts {
        // A PostgreSQL blob's local copy (0600) waits in a scratch folder: hand both to the child's user.
        if confinement.writable.contains(where: { path.hasPrefix($0 + "/") }) {
            handOver(Self.folder(of: path))
            handOver(path)
        }
        let request = InspectionProtocol.Request(
            path: path, split: nil, separators: separators, landmarkModel: landmarkModel)
        let first = inspectOnce(request)
        guard let failure = first.inspectionFailure, failure.reason == .crashed || failure.reason == .timeout else {
            return first
        }
        stopChild(kill: true)
        return inspectOnce(request)
    }

    /// Writes page ranges (1-based, inclusive) of the PDF at `source` to `outputs`, in the child, within the
    /// same deadline and memory ceiling as inspection.
    public func split(source: String, ranges: [ClosedRange<Int>], outputs: [String]) -> SplitOutcome {
        for folder in Set(outputs.map(Self.folder(of:))) { handOver(folder) }
        let request = InspectionProtocol.Request(
            path: source,
            split: InspectionProtocol.Split(ranges: ranges.map { [$0.lowerBound, $0.upperBound] }, outputs: outputs),
            separators: nil, landmarkModel: nil)
        switch exchange(request) {
        case .answered(let response): return response.splitError.map(SplitOutcome.refused) ?? .written
        case .failed(let reason, let message, _):
            return .failed(InspectionFailure(reason: reason, message: message))
        }
    }

    /// Reads a bulk archive in the child, within the same deadline and memory ceiling as inspection: the rows of
    /// its CSV, with the entries they name written into `scratch`.
    public func readArchive(path: String, scratch: String, limits: ArchiveLimits) -> ArchiveOutcome {
        handOver(scratch)
        let request = InspectionProtocol.Request(
            path: path, split: nil, separators: nil, landmarkModel: nil,
            archive: InspectionProtocol.ArchiveRequest(scratch: scratch, limits: limits))
        switch exchange(request) {
        case .answered(let response):
            guard let listing = response.archive else {
                return .failed(InspectionFailure(reason: .crashed, message: "inspector answered without a listing"))
            }
            return .read(listing)
        case .failed(let reason, let message, _):
            return .failed(InspectionFailure(reason: reason, message: message))
        }
    }

    /// Tests only: asks the confined child to try what its confinement must refuse (`InspectionProtocol.Probe`).
    func probe(_ probe: InspectionProtocol.Probe) -> FileFacts {
        inspectOnce(InspectionProtocol.Request(path: "", split: nil, separators: nil, landmarkModel: nil, probe: probe))
    }

    /// Gives the child's user a scratch folder (or file) the worker made for it (0700, root's): there it writes
    /// split items and archive entries, and a PostgreSQL blob's local copy waits for it. Blob folders it only
    /// reads, and the file store writes blobs 0444 under 0755 folders.
    ///
    /// Why ownership and not a descriptor handed over `SCM_RIGHTS`: the child then holds no socket of any kind,
    /// and every parser (qpdf and the archive reader write by path) keeps its path-based API; Landlock still
    /// keeps it to the blob and scratch folders, so owning a scratch folder adds nothing it could reach.
    private func handOver(_ path: String) {
        guard case .success(let owner) = owner else { return }
        _ = chown(path, owner.uid, owner.gid)
    }

    private static func folder(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    }

    private func inspectOnce(_ request: InspectionProtocol.Request) -> FileFacts {
        switch exchange(request) {
        case .answered(let response):
            return response.facts ?? failure(.crashed, "inspector answered without facts", sniffed: nil)
        case .failed(let reason, let message, let sniffed):
            return failure(reason, message, sniffed: sniffed)
        }
    }

    private enum Exchange {
        case answered(InspectionProtocol.Response)
        case failed(InspectionFailure.Reason, String, sniffed: FileFacts?)
    }

    /// One request and its final answer, within the deadline.
    private func exchange(_ request: InspectionProtocol.Request) -> Exchange {
        var sniffed: FileFacts?
        // A child that died while idle (killed from outside) must not be blamed on this request.
        if let current = child, waitpid(current.pid, nil, WNOHANG) == current.pid {
            stopChild(kill: false, reaped: true)
        }
        do {
            if child == nil { try startChild() }
            try send(request)
        } catch {
            // The child died between requests, or never started: one fresh attempt.
            stopChild(kill: true)
            do {
                try startChild()
                try send(request)
            } catch {
                return .failed(.unavailable, "inspector could not start: \(error)", sniffed: nil)
            }
        }
        let deadline = Self.monotonicNow() + limits.timeout.seconds
        while true {
            switch readLine(until: deadline) {
            case .line(let data):
                guard let response = try? decoder.decode(InspectionProtocol.Response.self, from: data) else {
                    stopChild(kill: true)
                    return .failed(.crashed, "inspector answered garbage", sniffed: sniffed)
                }
                switch response.stage {
                case .sniffed: sniffed = response.facts
                case .done: return .answered(response)
                }
            case .timedOut:
                stopChild(kill: true)
                return .failed(
                    .timeout, "stopped after \(Self.seconds(limits.timeout)) s (limit inspection.timeout)",
                    sniffed: sniffed)
            case .failed(let reason):
                stopChild(kill: true)
                return .failed(.unavailable, "lost the inspector: \(reason)", sniffed: sniffed)
            case .closed:
                let status = stopChild(kill: false)
                if status & 0x7f == SIGSYS {
                    // The seccomp filter killed the child: a library needed a refused call, or an exploit tried
                    // one. Either way the confinement, not the file, ended it: never a finding on a good file.
                    return .failed(
                        .unavailable, "inspector killed by its confinement: a refused system call (SIGSYS)",
                        sniffed: sniffed)
                }
                if let setupFailure = InspectionServer.SetupFailure(exitStatus: status) {
                    // The child could not set itself up (limits, type database): the machine's fault, not the file's.
                    return .failed(.unavailable, "inspector setup failed: \(setupFailure)", sniffed: sniffed)
                }
                return .failed(
                    .crashed,
                    "parser process \(Self.describe(status)) (memory ceiling \(limits.memory), inspection.memory)",
                    sniffed: sniffed)
            }
        }
    }

    private func failure(_ reason: InspectionFailure.Reason, _ message: String, sniffed: FileFacts?) -> FileFacts {
        var facts = sniffed ?? FileFacts(mime: "", bytes: 0, sha256: "")
        facts.inspectionFailure = InspectionFailure(reason: reason, message: message)
        return facts
    }

    // MARK: Child process

    /// Serialises pipe creation and spawning across inspectors: `pipe2(O_CLOEXEC)` needs `_GNU_SOURCE`, and
    /// between `pipe` and `fcntl` another thread's spawn would inherit this child's pipe and keep it open, hiding
    /// the child's death from the worker.
    private static let spawnLock = NSLock()

    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    private func startChild() throws {
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard Self.makePipe(&toChild) else { throw SpawnError(message: "pipe: \(errnoText())") }
        guard Self.makePipe(&fromChild) else {
            close(toChild[0])
            close(toChild[1])
            throw SpawnError(message: "pipe: \(errnoText())")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        // Parsers print their complaints about broken files on stderr: not the worker's output.
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        if case .failure(let error) = owner { throw error }
        let arguments =
            [executable, "inspect-server", "--memory-limit", "\(limits.memory.bytes)B"] + confinementArguments()
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // A crashing child need not print a symbolicated backtrace nobody reads (it costs hundreds of ms).
        let variables: [String] =
            ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_BACKTRACE" }.map { "\($0.key)=\($0.value)" }
            + ["SWIFT_BACKTRACE=enable=no"]
        var environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, &argv, &environment)
        close(toChild[0])
        close(fromChild[1])
        guard result == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw SpawnError(message: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        child = Child(pid: pid, input: toChild[1], output: fromChild[0])
    }

    private func confinementArguments() -> [String] {
        guard confinement.isEnabled else { return [] }
        var arguments = ["--confine"]
        // The face model loads on the first photo, once confined.
        arguments += (confinement.readable + [confinement.faceModel].compactMap { $0 }).flatMap { ["--read", $0] }
        arguments += confinement.writable.flatMap { ["--write", $0] }
        if case .success(let owner) = owner { arguments += ["--uid", "\(owner.uid)", "--gid", "\(owner.gid)"] }
        return arguments
    }

    /// Closes the pipes and reaps the child, killing it first if asked: the single release point of a child.
    /// Returns its wait status (0 when `reaped` says a caller already collected it).
    @discardableResult
    private func stopChild(kill shouldKill: Bool, reaped: Bool = false) -> Int32 {
        guard let current = child else { return 0 }
        child = nil
        close(current.input)
        close(current.output)
        if reaped { return 0 }
        if shouldKill { Glibc.kill(current.pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(current.pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    private func send(_ request: InspectionProtocol.Request) throws {
        guard let current = child else { throw SpawnError(message: "no inspector") }
        var data = try encoder.encode(request)
        data.append(UInt8(ascii: "\n"))
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(current.input, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SpawnError(message: "write to inspector: \(errnoText())")
                }
                offset += written
            }
        }
    }

    private enum ReadResult {
        case line(Data)
        case timedOut
        /// End of file: the child exited or died.
        case closed
        /// The pipe itself failed (or the child flooded it): the child's state is unknown.
        case failed(String)
    }

    private func readLine(until deadline: Double) -> ReadResult {
        guard var current = child else { return .closed }
        defer { if child != nil { child = current } }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // Only bytes not searched before: a long line must not cost a rescan per read.
            if let newline = current.buffer[current.searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(current.buffer[..<newline])
                current.buffer.removeSubrange(...newline)
                current.searched = 0
                return .line(line)
            }
            current.searched = current.buffer.count
            let remaining = deadline - Self.monotonicNow()
            if remaining <= 0 { return .timedOut }
            var descriptor = pollfd(fd: current.output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed("poll: \(errnoText())")
            }
            if ready == 0 { continue }
            let count = read(current.output, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .failed("read: \(errnoText())")
            }
            if count == 0 { return .closed }
            current.buffer.append(contentsOf: chunk[0..<count])
            if current.buffer.count > 64 * 1024 * 1024 { return .failed("answer over 64 MB") }
        }
    }

    static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func seconds(_ duration: Duration) -> String {
        ByteSizeFormatting.trimmed(duration.seconds)
    }

    /// "was killed by signal 6 (SIGABRT)" or "exited with status 3", from a wait status.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "signal"
        return "was killed by signal \(signal) (\(name))"
    }
}

enum ByteSizeFormatting {
    static func trimmed(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func errnoText() -> String { String(cString: strerror(errno)) }
