import CSandbox
import Glibc

/// What the inspector child may still do once it has loaded its libraries and models: read under `readable`,
/// write under `writable`, as `user`, with no network, no new programs and no reaching into other processes.
///
/// The child confines itself (`InspectionServer`) before it reads its first request; the worker only says how.
/// Landlock where the kernel has it, a seccomp filter always (Sources/CSandbox lists the calls and why).
public struct InspectionConfinement: Sendable, Hashable {
    /// Off only to measure what confinement costs, or on a kernel without seccomp (`inspection.confine`).
    public var isEnabled: Bool
    /// The user the child becomes when the worker runs as root (`inspection.user`); nil keeps the worker's user.
    public var user: String?
    /// Folders (or files) the child reads: the blob folder, the face model. The system folders are added.
    public var readable: [String]
    /// Folders the child writes: where the worker makes its scratch folders for split items and archive entries.
    public var writable: [String]
    /// Readable once confined: the child loads the model on its first photo.
    public var faceModel: String?

    public init(
        isEnabled: Bool = true, user: String? = "nobody", readable: [String], writable: [String],
        faceModel: String? = nil
    ) {
        self.isEnabled = isEnabled
        self.user = user
        self.readable = readable
        self.writable = writable
        self.faceModel = faceModel
    }

    /// No confinement beyond the deadline and the memory ceiling.
    public static let off = InspectionConfinement(isEnabled: false, user: nil, readable: [], writable: [])

    /// The first folder on the way to a `readable` path that `user` may not pass through or read, described for an
    /// operator; nil when every one is reachable, when the child keeps the worker's user, or when a folder does not
    /// exist yet. The child switches to `user` before Landlock opens these paths, so a data folder under a 0700
    /// parent (root's home, a `mktemp -d`) made every inspection fail with "could not confine itself".
    public func unreachableFolder(runningAsRoot: Bool = geteuid() == 0) -> String? {
        guard isEnabled, runningAsRoot, let user, !user.isEmpty, let entry = getpwnam(user) else { return nil }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        for path in readable where path.hasPrefix("/") {
            var folder = ""
            let components = path.split(separator: "/")
            for (index, component) in ([""] + components.map(String.init)).enumerated() {
                folder = index <= 1 ? "/" + component : folder + "/" + component
                var status = stat()
                guard stat(folder, &status) == 0 else { return nil }
                let last = index == components.count
                let needed: mode_t = last ? 0o5 : 0o1
                let granted: mode_t =
                    status.st_uid == uid
                    ? (status.st_mode >> 6) & 0o7
                    : status.st_gid == gid ? (status.st_mode >> 3) & 0o7 : status.st_mode & 0o7
                if granted & needed != needed {
                    let mode = String(status.st_mode & 0o7777, radix: 8)
                    return "\(folder) (mode \(mode), owner uid \(status.st_uid)) is not "
                        + (last ? "readable" : "traversable") + " by inspection.user \(user)"
                }
            }
        }
        return nil
    }

    /// The Landlock ABI this kernel answers, or nil without Landlock: the worker logs it once at start-up.
    public static var landlockABI: Int? {
        let abi = Int(intake_landlock_abi())
        return abi > 0 ? abi : nil
    }

    /// What the child reads besides `readable` after setup, found with `strace -f -e trace=%file` over the test
    /// corpus: fontconfig's configuration, cache and fonts (poppler, for PDFs whose fonts are not embedded),
    /// glibc's gconv modules, the CPU topology OpenCV sizes its thread pool by, and its own /proc entries.
    static let systemReadable = [
        "/usr", "/lib", "/lib64", "/etc", "/var/cache/fontconfig", "/proc/self", "/sys/devices/system/cpu",
    ]
}

/// Why the inspector child could not confine itself. The worker reports it as the inspector being unavailable,
/// never as a finding on the file.
public struct ConfinementError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// `inspection.user` names no user.
        public static let unknownUser = Code(name: "unknown_user")
        /// setgroups, setgid or setuid failed.
        public static let userSwitch = Code(name: "user_switch")
        public static let noNewPrivileges = Code(name: "no_new_privileges")
        public static let landlock = Code(name: "landlock")
        public static let seccomp = Code(name: "seccomp")
        /// RLIMIT_NOFILE or RLIMIT_FSIZE could not be set.
        public static let limits = Code(name: "limits")
    }
    public var code: Code
    public var message: String
    public var description: String { "\(code): \(message)" }

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// The child side: the steps, in the order that matters.
enum Sandbox {
    /// Most descriptors the child may hold: the three standard ones, libmagic's database, qpdf's source and
    /// output, poppler's and fontconfig's files (at most 23 at once over the test corpus, seen in /proc/PID/fd).
    static let maxOpenFiles: rlim_t = 64

    /// Closes every descriptor but standard input, output and error (`intake_close_inherited`).
    static func closeInherited() -> Bool { intake_close_inherited() == 0 }

    /// Switches user, then sets no_new_privs, Landlock and the seccomp filter, then the descriptor and file-size
    /// limits. Call it once everything the child needs is loaded and before any request is read, from the only
    /// thread: Landlock binds the calling thread and those it starts later.
    static func confine(
        readable: [String], writable: [String], owner: (uid: uid_t, gid: gid_t)?, maxFileSize: Int64
    ) throws(ConfinementError) {
        if let owner {
            // Groups first: after setuid the child may no longer drop root's supplementary groups.
            guard setgroups(0, nil) == 0, setgid(owner.gid) == 0, setuid(owner.uid) == 0 else {
                throw ConfinementError(.userSwitch, "uid \(owner.uid): \(errnoText())")
            }
        }
        let status = intake_no_new_privs()
        guard status == 0 else { throw ConfinementError(.noNewPrivileges, String(cString: strerror(status))) }
        if let abi = InspectionConfinement.landlockABI {
            let failure = withCStrings(readable + InspectionConfinement.systemReadable) { reads in
                withCStrings(writable) { writes in
                    intake_landlock_restrict(
                        Int32(abi), reads.baseAddress, reads.count, writes.baseAddress, writes.count)
                }
            }
            guard failure == 0 else { throw ConfinementError(.landlock, String(cString: strerror(failure))) }
        }
        let seccomp = intake_seccomp_install()
        guard seccomp == 0 else { throw ConfinementError(.seccomp, String(cString: strerror(seccomp))) }
        var files = rlimit(rlim_cur: maxOpenFiles, rlim_max: maxOpenFiles)
        var size = rlimit(rlim_cur: rlim_t(maxFileSize), rlim_max: rlim_t(maxFileSize))
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &files) == 0,
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &size) == 0
        else {
            throw ConfinementError(.limits, errnoText())
        }
    }

    private static func withCStrings<Result>(
        _ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> Result
    ) -> Result {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer(body)
    }
}
