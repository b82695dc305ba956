import Foundation
import Glibc

/// The machine a run measured on, as every report states it beside its figures.
struct Machine: Encodable {
    var cpu: String
    var cores: Int
    /// The CPU this process and everything it starts were pinned to; nil when pinning was refused.
    var pinnedCPU: Int?
    /// `/proc/loadavg` when the run started.
    var loadAverage: String

    enum CodingKeys: String, CodingKey {
        case cpu, cores
        case pinnedCPU = "pinned_cpu"
        case loadAverage = "load_average"
    }

    /// Pins this process to one CPU before the run starts anything (`CPUAffinity`), then reads the load average
    /// before the run adds its own load: anything else busy on the machine skews every figure.
    static func pinnedToOneCPU() -> Machine {
        let pinnedCPU = CPUAffinity.pinToOneCPU()
        return Machine(
            cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount, pinnedCPU: pinnedCPU,
            loadAverage: loadAverage())
    }

    /// The second line of every table.
    var summary: String {
        let pin = pinnedCPU.map { "pinned to CPU \($0)" } ?? "not pinned (sched_setaffinity refused)"
        return "\(cpu), \(cores) cores, \(pin), load average \(loadAverage)"
    }

    private static func cpuModel() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// The 1, 5 and 15 minute load averages: a busy machine explains a slow run.
    private static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// Pins the process to one CPU, so "per core" means what it says: the parent and its inspector child share one
/// core, as one worker slot does in production, and the peer (started later, inheriting the mask) gets the same.
enum CPUAffinity {
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutablePointer<cpu_set_t>) -> Int32

    /// Restricts the calling thread, and every process and thread it starts afterwards, to the lowest CPU it may
    /// use now. Returns that CPU, or nil when the system refuses. Swift's Glibc module leaves out the GNU-only
    /// `sched_getaffinity` and `sched_setaffinity`, so they are looked up by name.
    static func pinToOneCPU() -> Int? {
        guard let process = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(process) }
        guard let getSymbol = dlsym(process, "sched_getaffinity"),
            let setSymbol = dlsym(process, "sched_setaffinity")
        else { return nil }
        let getAffinity = unsafeBitCast(getSymbol, to: AffinityCall.self)
        let setAffinity = unsafeBitCast(setSymbol, to: AffinityCall.self)
        var allowed = cpu_set_t()
        guard getAffinity(0, MemoryLayout<cpu_set_t>.size, &allowed) == 0 else { return nil }
        let words = withUnsafeBytes(of: allowed.__bits) { Array($0.bindMemory(to: UInt.self)) }
        guard let word = words.firstIndex(where: { $0 != 0 }) else { return nil }
        let cpu = word * UInt.bitWidth + words[word].trailingZeroBitCount
        var single = cpu_set_t()
        withUnsafeMutableBytes(of: &single.__bits) { bytes in
            bytes.bindMemory(to: UInt.self)[word] = 1 << UInt(words[word].trailingZeroBitCount)
        }
        return setAffinity(0, MemoryLayout<cpu_set_t>.size, &single) == 0 ? cpu : nil
    }
}

/// Mean, median and 95th percentile (nearest rank) of a benchmark's timings, in milliseconds.
struct Latency: Encodable, Hashable {
    var meanMilliseconds: Double
    var medianMilliseconds: Double
    /// Nearest rank: with 20 rounds, the second slowest.
    var p95Milliseconds: Double

    init(_ seconds: [Double]) {
        let ordered = seconds.sorted()
        let count = ordered.count
        meanMilliseconds = ordered.reduce(0, +) / Double(count) * 1000
        medianMilliseconds = (ordered[(count - 1) / 2] + ordered[count / 2]) / 2 * 1000
        p95Milliseconds = ordered[Int((0.95 * Double(count)).rounded(.up)) - 1] * 1000
    }
}

/// A folder under the system's temporary directory, removed with everything in it when the value goes away.
struct TemporaryFolder: ~Copyable {
    let path: String

    init() throws {
        let pattern = (NSTemporaryDirectory() as NSString).appendingPathComponent("intake-bench-XXXXXX")
        var template = Array(pattern.utf8CString)
        guard let created = mkdtemp(&template) else {
            throw BenchmarkError("cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The size of the file at `path` in bytes, 0 when it cannot be read.
/// Bytes of the file, or of the files in the folder (a face model may be a folder of ONNX files).
func fileSize(_ path: String) -> Int64 {
    func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return size(path) }
    return names.map { size((path as NSString).appendingPathComponent($0)) }.reduce(0, +)
}
