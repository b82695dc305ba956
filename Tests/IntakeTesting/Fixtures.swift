import Foundation
import IntakeCore
import IntakeTestSupport

extension Policy {
    /// The limits of the 2026 regime (25 MB per file and per application, 10 MB per request for additional
    /// documents, 1000 pages), PDF attachments, active content and owner passwords as warnings, the residence
    /// card's photo rules: the policy most tests judge under.
    public static let testDefault = Policy(
        fileLimit: ByteSize(bytes: 25_000_000), applicationTotalLimit: ByteSize(bytes: 25_000_000),
        additionalTotalLimit: ByteSize(bytes: 10_000_000), pageLimit: 1000, attachmentCountLimit: nil,
        attachmentTypes: ["application/pdf"], activeContentSeverity: .warning, permissionsPasswordSeverity: .warning)

    /// `testDefault` with other application limits, for the allowance tests.
    public static func testDefault(applicationTotal: Int64, additionalTotal: Int64 = 10_000_000) -> Policy {
        var policy = testDefault
        policy.applicationTotalLimit = ByteSize(bytes: applicationTotal)
        policy.additionalTotalLimit = ByteSize(bytes: additionalTotal)
        return policy
    }
}

/// A new, empty data folder under the system's temporary folder, for one test.
public struct TemporaryDataFolder: Sendable {
    public let path: String

    public init(_ label: String = "data") {
        path = TestSupport.makeTemporaryDirectory(prefix: label).path
    }
}
