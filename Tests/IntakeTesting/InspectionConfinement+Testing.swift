import Foundation
import IntakeWorker

extension InspectionConfinement {
    /// The worker's confinement for tests that drive `IsolatedInspector` directly: the corpus and every test's
    /// folders live under the system's temporary folder, so the child reads and writes there and nowhere else.
    public static let testing = InspectionConfinement(
        readable: [FileManager.default.temporaryDirectory.path],
        writable: [FileManager.default.temporaryDirectory.path])
}
