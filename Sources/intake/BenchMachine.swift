import Foundation

/// What the benchmarks say about the machine and their inputs, beside their figures.
enum BenchMachine {
    static func cpuModel() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// The 1, 5 and 15 minute load averages: a busy machine explains a slow run.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// Bytes of the file, or of the files in the folder (a face model may be a folder of ONNX files).
    static func fileSize(_ path: String) -> Int64 {
        func size(_ path: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return size(path) }
        return names.map { size((path as NSString).appendingPathComponent($0)) }.reduce(0, +)
    }
}

/// Mean, median and 95th percentile (nearest rank) of a benchmark's timings, in milliseconds.
struct Latency: Encodable {
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
