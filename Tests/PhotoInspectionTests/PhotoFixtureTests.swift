import FileInspection
import Foundation
import IntakeCore
import IntakeTestSupport
import PhotoInspection
import Testing

/// One inspector for the suite: the landmark model takes over a second to load, and an inspector is not
/// thread-safe, so the parallel tests take turns.
final class SharedInspector: @unchecked Sendable {
    static let shared = SharedInspector()
    private let lock = NSLock()
    private let inspector: FileInspector

    private init() {
        do {
            inspector = try FileInspector()
        } catch {
            fatalError("libmagic: \(error)")
        }
    }

    func inspect(_ path: String, landmarkModel: String? = PhotoInspector.defaultLandmarkModel) -> FileFacts {
        lock.withLock { inspector.inspect(path: path, landmarkModel: landmarkModel) }
    }
}

enum Photos {
    static let folder = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/Photos")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    /// The day the fixtures' "recent" capture date is judged from (PROVENANCE.md).
    static let submittedOn = CalendarDay(year: 2026, month: 11, day: 23)
    static let rules = FileRules(policy: Policy(
        fileLimit: ByteSize(bytes: 25_000_000), applicationTotalLimit: ByteSize(bytes: 25_000_000),
        additionalTotalLimit: ByteSize(bytes: 10_000_000), pageLimit: 1000, attachmentCountLimit: nil,
        attachmentTypes: ["application/pdf"], activeContentSeverity: .warning, permissionsPasswordSeverity: .warning))

    static func judge(_ name: String) -> (findings: [Finding], facts: FileFacts) {
        let facts = SharedInspector.shared.inspect(path(name))
        return rules.judge(facts, fileName: name, slot: .photo, submittedOn: submittedOn)
    }

    static func errors(_ findings: [Finding]) -> [FindingCode] {
        findings.filter { $0.severity == .error }.map(\.code)
    }
}

/// Real photographs (scikit-image's astronaut, cat and coffee; Tests/Fixtures/Photos/PROVENANCE.md) through the
/// real decoders, the real dlib detector and landmark model, and the photo rules.
@Suite("Face photos: real photographs, one defect each")
struct PhotoFixtureTests {
    @Test("The good portrait passes as JPEG, PNG and rotated by EXIF, with every measurement inside its bounds",
        arguments: [
            "good.jpg", "good.png", "good-exif-rotated.jpg", "good-exif-rotated.png", "recent-date.jpg",
            "studio-backdrop.jpg", "head-fills-frame.jpg",
        ])
    func good(name: String) throws {
        let (findings, facts) = Photos.judge(name)
        #expect(findings.isEmpty, "\(name): \(findings.map(\.code))")
        let photo = try #require(facts.photo)
        #expect(photo.faces.count == 1)
        #expect((photo.width, photo.height) == (480, 640))
        let checks = try #require(photo.checks)
        #expect(checks.count >= 15, "every rule was applied and recorded")
        #expect(checks.allSatisfy { $0.passed })
        let face = try #require(photo.face)
        #expect(face.landmarks.count == 68)
        #expect(face.crownMethod == .background, "a plain backdrop shows where the hair ends")
    }

    @Test("EXIF orientation is applied (6 in a JPEG's APP1, 8 in a PNG's eXIf): landscape pixels measured upright",
        arguments: [("good-exif-rotated.jpg", 6), ("good-exif-rotated.png", 8)])
    func orientation(name: String, orientation: Int) throws {
        let photo = try #require(Photos.judge(name).facts.photo)
        #expect(photo.orientation == orientation)
        let upright = try #require(Photos.judge("good.jpg").facts.photo)
        let rotated = try #require(photo.measurements.headHeightRatio)
        let original = try #require(upright.measurements.headHeightRatio)
        #expect(abs(rotated - original) < 0.01)
        let center = try #require(photo.measurements.faceCenterRatio)
        #expect(abs(center - 0.5) < 0.01, "turned the right way, not mirrored or upside down")
    }

    @Test("Each defect is reported with its own code, and only that error",
        arguments: [
            ("two-people.jpg", FindingCode.photoMultipleFaces),
            ("face-too-small.jpg", .photoFaceTooSmall),
            ("face-too-large.jpg", .photoFaceTooLarge),
            ("off-center.jpg", .photoFaceOffCenter),
            ("tilted.jpg", .photoHeadTilted),
            ("blurred.jpg", .photoBlurry),
            ("dark.jpg", .photoTooDark),
            ("overexposed.jpg", .photoOverexposed),
            ("heavily-blurred.jpg", .photoBlurry),
            ("heavily-overexposed.jpg", .photoOverexposed),
            ("grayscale.jpg", .photoGrayscale),
            ("grayscale-1ch.jpg", .photoGrayscale),
            ("too-few-pixels.jpg", .photoTooSmall),
            ("wrong-aspect.jpg", .photoAspectRatio),
            ("busy-background.jpg", .photoBackgroundNotPlain),
            ("head-fills-frame-brick.jpg", .photoBackgroundNotPlain),
            ("pattern-above-head.jpg", .photoBackgroundNotPlain),
            ("too-old.jpg", .photoTooOld),
            ("no-face-cat.jpg", .photoNoFace),
            ("no-face-coffee.jpg", .photoNoFace),
            ("good.gif", .photoTypeNotAllowed),
        ])
    func defect(name: String, expected: FindingCode) throws {
        let (findings, _) = Photos.judge(name)
        #expect(Photos.errors(findings) == [expected], "\(name): \(findings.map(\.code))")
        let finding = try #require(findings.first { $0.code == expected })
        #expect(!finding.message.ja.isEmpty && !finding.message.en.isEmpty)
    }

    @Test("A real face is never `photo.no_face`: every portrait variant has its face found",
        arguments: [
            "good.jpg", "good.png", "good-exif-rotated.jpg", "two-people.jpg", "face-too-small.jpg",
            "face-too-large.jpg", "off-center.jpg", "tilted.jpg", "blurred.jpg", "dark.jpg", "overexposed.jpg",
            "grayscale.jpg", "grayscale-1ch.jpg", "too-few-pixels.jpg", "wrong-aspect.jpg", "busy-background.jpg",
            "studio-backdrop.jpg", "head-fills-frame.jpg", "head-fills-frame-brick.jpg", "pattern-above-head.jpg",
        ])
    func faceFound(name: String) {
        let (findings, facts) = Photos.judge(name)
        #expect(!findings.contains { $0.code == .photoNoFace }, "\(name)")
        #expect((facts.photo?.faces.count ?? 0) >= 1, "\(name)")
    }

    @Test(
        "A blur or overexposure past the detector's reach is named as such, not only as no face",
        arguments: [
            ("heavily-blurred.jpg", FindingCode.photoBlurry, "image_sharpness"),
            ("heavily-overexposed.jpg", .photoOverexposed, "image_highlights_clipped"),
        ])
    func heavyDefects(name: String, expected: FindingCode, measure: String) throws {
        let (findings, facts) = Photos.judge(name)
        let photo = try #require(facts.photo)
        #expect(photo.faces.isEmpty, "the fixture is meant to be past the detector's reach")
        #expect(findings.map(\.code) == [expected], "\(findings.map(\.code))")
        #expect(findings.first?.detail["measure"] == .string(measure))
        let checks = try #require(photo.checks)
        #expect(checks.contains { $0.code == .photoNoFace && !$0.passed })
    }

    @Test("Image sharpness and exposure are measured on every decoded photo, face or not, and pass on good ones",
        arguments: ["good.jpg", "good-600x800.jpg", "studio-backdrop.jpg", "no-face-cat.jpg", "no-face-coffee.jpg"])
    func imageQualityMeasured(name: String) throws {
        let (_, facts) = Photos.judge(name)
        let checks = try #require(facts.photo?.checks)
        for measure in ["image_sharpness", "image_highlights_clipped", "image_shadows_clipped"] {
            let check = try #require(checks.first { $0.measure == measure }, "\(name): \(measure)")
            #expect(check.passed, "\(name): \(measure) = \(check.value ?? -1)")
        }
    }

    @Test("A head that fills the frame leaves narrow strips, and they are measured: plain passes, brick fails",
        arguments: [("head-fills-frame.jpg", true), ("head-fills-frame-brick.jpg", false)])
    func headFillsFrame(name: String, plain: Bool) throws {
        let (_, facts) = Photos.judge(name)
        let photo = try #require(facts.photo)
        let regions = try #require(photo.measurements.backgroundRegions)
        #expect(regions == 3, "both strips beside the head and the one above it: \(regions)")
        let deviation = try #require(photo.checks?.first { $0.measure == "background_deviation" })
        #expect(deviation.passed == plain, "\(name): deviation \(deviation.value ?? -1)")
        let margin = try #require(photo.measurements.topMarginRatio)
        #expect(abs(margin - 0.06) < 0.01, "the crown is where it is, found or estimated: \(margin)")
    }

    @Test("A pattern above the head is background, not hair: the crown and the top margin stay where they are")
    func patternAboveHead() throws {
        let (findings, facts) = Photos.judge("pattern-above-head.jpg")
        let photo = try #require(facts.photo)
        let good = try #require(Photos.judge("good.jpg").facts.photo)
        let margin = try #require(photo.measurements.topMarginRatio)
        let head = try #require(photo.measurements.headHeightRatio)
        #expect(abs(margin - (good.measurements.topMarginRatio ?? 0)) < 0.01, "not 0 %: \(margin)")
        #expect(abs(head - (good.measurements.headHeightRatio ?? 0)) < 0.01, "\(head)")
        let failed = try #require(findings.first)
        #expect(failed.code == .photoBackgroundNotPlain && failed.detail["measure"] == .string("background_deviation"))
    }

    @Test("The EXIF Software tag is read: a photo last saved by a retouching app is accepted with a warning")
    func editedByApp() throws {
        let (findings, facts) = Photos.judge("edited-by-app.jpg")
        #expect(facts.photo?.software == "Meitu 9.8.1")
        #expect(findings.map(\.code) == [.photoEdited])
        #expect(Verdict(findings: findings) == .accepted)
    }

    @Test("Findings carry the measured value and the bound it failed")
    func detail() throws {
        let (findings, _) = Photos.judge("tilted.jpg")
        let tilted = try #require(findings.first)
        #expect(tilted.detail["measure"] == .string("roll_degrees"))
        guard case .double(let roll) = tilted.detail["value"] else {
            Issue.record("no measured roll")
            return
        }
        #expect(roll > 12 && roll < 18)
        #expect(tilted.detail["maximum"] == .double(8))
        #expect(tilted.message.en.contains("8°"))
    }

    @Test("A photo in the attachment slot is not measured as a photo and is refused as not a PDF")
    func attachmentSlot() {
        // As the worker inspects an attachment: no landmark model, so no photo measurement.
        let facts = SharedInspector.shared.inspect(Photos.path("good.jpg"), landmarkModel: nil)
        #expect(facts.photo == nil)
        let (findings, _) = Photos.rules.judge(
            facts, fileName: "good.jpg", slot: .attachment, submittedOn: Photos.submittedOn)
        #expect(findings.map(\.code) == [.fileTypeNotAllowed])
    }
}
