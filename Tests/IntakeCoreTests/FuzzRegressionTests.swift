import IntakeTestSupport
import Testing

@testable import IntakeCore

/// Inputs that trapped the configuration and trial CSV parsers (kept in `Tests/Fixtures/Fuzz`), replayed through
/// the fuzz targets' entry points, beside the smallest input that shows each fault.
@Suite("Configuration and trial CSV: fuzz findings")
struct FuzzRegressionTests {
    @Test("A duration longer than Int64 nanoseconds hold is an invalid value, not a trap")
    func durationPastInt64() throws {
        #expect(Duration(parsing: "10000000000000s") == nil)
        #expect(Duration(parsing: "1e300d") == nil)
        #expect(Duration(parsing: "9000000000s") == .seconds(9_000_000_000))
        var configuration = Configuration()
        try configuration.merge(fileText: "queue.lease = 10000000000000s", origin: "test")
        #expect(throws: ConfigurationError.self) { try configuration.duration("queue.lease") }
    }

    @Test("The fuzzer's own find: a value whose number stops at a NUL byte reads as a duration or not, and never traps")
    func foundDurationPastInt64() throws {
        let bytes = TestSupport.fuzzInput("configuration", "found-duration-past-int64.conf")
        var configuration = Configuration()
        try configuration.merge(fileText: String(decoding: bytes, as: UTF8.self), origin: "fuzz")
        let durations = configuration.values.keys.compactMap { try? configuration.duration($0) }
        #expect(durations == [.milliseconds(968)])
    }

    /// Found by reading the parser while its fuzz target ran: ten 18-digit sizes in one application. 10 minutes of
    /// `trial-csv` did not reach it; the inputs are kept all the same.
    @Test(
        "Sizes or page counts that add up past Int64.max refuse the line that passes it, not trap",
        arguments: [("bytes-past-int64.csv", "bytes"), ("pages-past-int64.csv", "pages")])
    func trialTotalsPastInt64(name: String, column: String) {
        #expect {
            try TrialCSV.parse(TestSupport.fuzzInput("trial-csv", name))
        } throws: { error in
            let error = error as? TrialInputError
            return error?.line == 11 && error?.message.contains(column) == true
        }
    }
}
