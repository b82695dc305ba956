/// One application as a size-limit trial sees it: sizes and counts only, never the files.
public struct TrialApplication: Sendable, Hashable {
    /// Photo and attachment bytes together (what `limits.application_total` counts).
    public var bytes: Int64
    public var largestFile: Int64
    public var files: Int
    /// Pages of its PDFs, when known.
    public var pages: Int?
    /// Seconds since 1970, when known.
    public var submittedAt: Double?

    public init(bytes: Int64, largestFile: Int64, files: Int, pages: Int?, submittedAt: Double?) {
        self.bytes = bytes
        self.largestFile = largestFile
        self.files = files
        self.pages = pages
        self.submittedAt = submittedAt
    }
}

/// A limit to try: a total per application, and optionally a limit per file.
public struct TrialCandidate: Sendable, Hashable {
    public var totalLimit: ByteSize
    public var fileLimit: ByteSize?

    public init(totalLimit: ByteSize, fileLimit: ByteSize?) {
        self.totalLimit = totalLimit
        self.fileLimit = fileLimit
    }

    /// Within when the total is at most the limit (exactly at it is within) and every file fits the file limit.
    public func admits(_ application: TrialApplication) -> Bool {
        application.bytes <= totalLimit.bytes && (fileLimit.map { application.largestFile <= $0.bytes } ?? true)
    }
}

/// Worker time per application: `perFile·files + perMB·megabytes + perPage·pages`, in seconds.
public struct ProcessingCost: Sendable, Hashable {
    public var secondsPerFile: Double
    public var secondsPerMB: Double
    public var secondsPerPage: Double
    /// How the figures were obtained, for the report.
    public var basis: String

    public init(secondsPerFile: Double, secondsPerMB: Double, secondsPerPage: Double, basis: String) {
        self.secondsPerFile = secondsPerFile
        self.secondsPerMB = secondsPerMB
        self.secondsPerPage = secondsPerPage
        self.basis = basis
    }

    public func seconds(for application: TrialApplication) -> Double {
        secondsPerFile * Double(application.files) + secondsPerMB * Double(application.bytes) / 1_000_000
            + secondsPerPage * Double(application.pages ?? 0)
    }

    /// Fits the three coefficients by least squares to measured (bytes, pages, seconds) samples; nil when there are
    /// too few samples or they cannot separate the terms. Negative coefficients are clamped to zero.
    public static func fitted(samples: [(bytes: Int64, pages: Int, seconds: Double)]) -> ProcessingCost? {
        guard samples.count >= 20 else { return nil }
        // Normal equations for seconds ≈ a + b·MB + c·pages.
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: 3), count: 3)
        var vector = [Double](repeating: 0, count: 3)
        for sample in samples {
            let row = [1, Double(sample.bytes) / 1_000_000, Double(sample.pages)]
            for i in 0..<3 {
                for j in 0..<3 { matrix[i][j] += row[i] * row[j] }
                vector[i] += row[i] * sample.seconds
            }
        }
        guard let solution = solve(matrix, vector) else { return nil }
        return ProcessingCost(
            secondsPerFile: max(0, solution[0]), secondsPerMB: max(0, solution[1]), secondsPerPage: max(0, solution[2]),
            basis: "least-squares fit to \(samples.count) inspections recorded in the store")
    }

    /// Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ matrix: [[Double]], _ vector: [Double]) -> [Double]? {
        var a = matrix
        var b = vector
        let n = b.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            guard abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}

/// One candidate's outcome.
public struct TrialOutcome: Sendable, Hashable {
    public var candidate: TrialCandidate
    public var applicationsWithin: Int
    public var applicationsOver: Int
    public var shareWithin: Double
    public var bytesWithin: Int64
    /// Bytes of every application in the sample: what storing all of them would take.
    public var bytesIfAllAccepted: Int64
    /// Bytes of accepted applications per year at the projected rate.
    public var storagePerYearBytes: Double
    /// Worker CPU per year to process the accepted applications at the projected rate.
    public var cpuSecondsPerYear: Double
}

/// A whole trial: every candidate against the same applications.
public struct TrialReport: Sendable {
    public var source: String
    public var applications: Int
    public var files: Int
    public var outcomes: [TrialOutcome]
    public var percentiles: (p50: Int64, p90: Int64, p99: Int64)
    /// Application totals, ascending: the distribution the report draws.
    public var sortedSizes: [Int64]
    public var applicationsPerYear: Double
    public var rateBasis: String
    public var cost: ProcessingCost
}

/// Size-limit trials: replays application sizes against candidate limits. Pure; changes no verdict.
public enum Trial {
    /// - Parameters:
    ///   - assumedApplicationsPerYear: the rate used when the sample's dates do not span at least a day.
    public static func run(
        source: String, applications: [TrialApplication], candidates: [TrialCandidate], cost: ProcessingCost,
        assumedApplicationsPerYear: Double
    ) -> TrialReport {
        let count = applications.count
        let sizes = applications.map(\.bytes).sorted()
        let totalBytes = sizes.reduce(0, +)
        let dates = applications.compactMap(\.submittedAt)
        var perYear = assumedApplicationsPerYear
        var rateBasis = "assumed \(Int(assumedApplicationsPerYear)) applications a year (trial.applications_per_year)"
        if let first = dates.min(), let last = dates.max(), last - first >= 86_400 {
            let days = (last - first) / 86_400
            perYear = Double(dates.count) / days * 365
            rateBasis =
                "observed: \(dates.count) applications over \(ByteSize.oneDecimal(days)) days, "
                + "\(Int(perYear.rounded())) a year"
        }
        let scale = count > 0 ? perYear / Double(count) : 0
        let outcomes = candidates.map { candidate -> TrialOutcome in
            var within = 0
            var bytesWithin: Int64 = 0
            var seconds = 0.0
            for application in applications where candidate.admits(application) {
                within += 1
                bytesWithin += application.bytes
                seconds += cost.seconds(for: application)
            }
            return TrialOutcome(
                candidate: candidate, applicationsWithin: within, applicationsOver: count - within,
                shareWithin: count > 0 ? Double(within) / Double(count) : 0, bytesWithin: bytesWithin,
                bytesIfAllAccepted: totalBytes, storagePerYearBytes: Double(bytesWithin) * scale,
                cpuSecondsPerYear: seconds * scale)
        }
        return TrialReport(
            source: source, applications: count, files: applications.reduce(0) { $0 + $1.files }, outcomes: outcomes,
            percentiles: (percentile(sizes, 0.50), percentile(sizes, 0.90), percentile(sizes, 0.99)),
            sortedSizes: sizes, applicationsPerYear: perYear, rateBasis: rateBasis, cost: cost)
    }

    /// Nearest-rank percentile of an ascending array (0 when empty).
    public static func percentile(_ sorted: [Int64], _ fraction: Double) -> Int64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
