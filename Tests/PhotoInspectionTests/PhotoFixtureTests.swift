import FileInspection
import Foundation
import IntakeCore
import IntakeTestSupport
import IntakeTesting
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
    static let rules = FileRules(policy: .testDefault)

    /// The default model (MediaPipe's detector and mesh) and the operator's option (dlib's 68 points): the photo
    /// rules must reach the same verdicts from either.
    static let models = [PhotoInspector.defaultLandmarkModel, PhotoInspector.dlibLandmarkModel]

    static func judge(_ name: String, model: String = PhotoInspector.defaultLandmarkModel)
        -> (findings: [Finding], facts: FileFacts)
    {
        let facts = SharedInspector.shared.inspect(path(name), landmarkModel: model)
        return rules.judge(facts, fileName: name, slot: .photo, submittedOn: submittedOn)
    }

    static func errors(_ findings: [Finding]) -> [FindingCode] {
        findings.filter { $0.severity == .error }.map(\.code)
    }
}

/// Real photographs (scikit-image's astronaut, cameraman, cat, coffee and brick wall;
/// Tests/Fixtures/Photos/PROVENANCE.md) through the real decoders, both real face models (MediaPipe's, the default,
/// and dlib's 68 points), and the photo rules.
@Suite("Face photos: real photographs, one defect each")
struct PhotoFixtureTests {
    @Test(
        "The good portrait passes as JPEG, PNG and rotated by EXIF, with every measurement inside its bounds",
        arguments: [
            "good.jpg", "good.png", "good-exif-rotated.jpg", "good-exif-rotated.png", "recent-date.jpg",
            "studio-backdrop.jpg", "head-fills-frame.jpg",
        ], Photos.models)
    func good(name: String, model: String) throws {
        let (findings, facts) = Photos.judge(name, model: model)
        #expect(findings.isEmpty, "\(name): \(findings.map(\.code))")
        let photo = try #require(facts.photo)
        #expect(photo.faces.count == 1)
        #expect((photo.width, photo.height) == (480, 640))
        let checks = try #require(photo.checks)
        #expect(checks.count >= 15, "every rule was applied and recorded")
        #expect(checks.allSatisfy { $0.passed })
        let face = try #require(photo.face)
        #expect(face.landmarks.count == (model == PhotoInspector.dlibLandmarkModel ? 68 : 468))
        #expect(face.crownMethod == .background, "a plain backdrop shows where the hair ends")
    }

    @Test(
        "EXIF orientation is applied (6 in a JPEG's APP1, 8 in a PNG's eXIf): landscape pixels measured upright",
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

    @Test(
        "Each defect is reported with its own code, and only that error",
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
        ], Photos.models)
    func defect(_ variant: (name: String, expected: FindingCode), model: String) throws {
        let (name, expected) = variant
        let (findings, _) = Photos.judge(name, model: model)
        #expect(Photos.errors(findings) == [expected], "\(name): \(findings.map(\.code))")
        let finding = try #require(findings.first { $0.code == expected })
        #expect(!finding.message.ja.isEmpty && !finding.message.en.isEmpty)
    }

    @Test(
        "A real face is never `photo.no_face`: every portrait variant has its face found",
        arguments: [
            "good.jpg", "good.png", "good-exif-rotated.jpg", "two-people.jpg", "face-too-small.jpg",
            "face-too-large.jpg", "off-center.jpg", "tilted.jpg", "blurred.jpg", "dark.jpg", "overexposed.jpg",
            "grayscale.jpg", "grayscale-1ch.jpg", "too-few-pixels.jpg", "wrong-aspect.jpg", "busy-background.jpg",
            "studio-backdrop.jpg", "head-fills-frame.jpg", "head-fills-frame-brick.jpg", "pattern-above-head.jpg",
        ], Photos.models)
    func faceFound(name: String, model: String) {
        let (findings, facts) = Photos.judge(name, model: model)
        #expect(!findings.contains { $0.code == .photoNoFace }, "\(name)")
        #expect((facts.photo?.faces.count ?? 0) >= 1, "\(name)")
    }

    @Test(
        "A heavy blur or overexposure is named as such, not as no face, whether or not the model still sees the face",
        arguments: [
            ("heavily-blurred.jpg", FindingCode.photoBlurry, "image_sharpness"),
            ("heavily-overexposed.jpg", .photoOverexposed, "image_highlights_clipped"),
        ], Photos.models)
    func heavyDefects(_ variant: (name: String, expected: FindingCode, measure: String), model: String) throws {
        let (findings, facts) = Photos.judge(variant.name, model: model)
        let photo = try #require(facts.photo)
        #expect(Photos.errors(findings) == [variant.expected], "\(findings.map(\.code))")
        #expect(findings.first?.detail["measure"] == .string(variant.measure))
        if model == PhotoInspector.dlibLandmarkModel {
            // Past dlib's reach (PROVENANCE.md): the no-face check failed and stays on record, unreported.
            #expect(photo.faces.isEmpty)
            #expect(photo.checks?.contains { $0.code == .photoNoFace && !$0.passed } == true)
        }
    }

    @Test(
        "Image sharpness and exposure are measured on every decoded photo, face or not, and pass on good ones",
        arguments: ["good.jpg", "good-600x800.jpg", "studio-backdrop.jpg", "no-face-cat.jpg", "no-face-coffee.jpg"])
    func imageQualityMeasured(name: String) throws {
        let (_, facts) = Photos.judge(name)
        let checks = try #require(facts.photo?.checks)
        for measure in ["image_sharpness", "image_highlights_clipped", "image_shadows_clipped"] {
            let check = try #require(checks.first { $0.measure == measure }, "\(name): \(measure)")
            #expect(check.passed, "\(name): \(measure) = \(check.value ?? -1)")
        }
    }

    @Test(
        "A head that fills the frame leaves narrow strips, and they are measured: plain passes, brick fails",
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

    @Test(
        "A real face turned sideways (about 50°) is not frontal; dlib does not find it at all",
        arguments: Photos.models)
    func turnedSideways(model: String) throws {
        let (findings, facts) = Photos.judge("turned-sideways.jpg", model: model)
        let photo = try #require(facts.photo)
        if model == PhotoInspector.dlibLandmarkModel {
            #expect(Photos.errors(findings).contains(.photoNoFace))
            return
        }
        let yaw = try #require(photo.measurements.yawDegrees)
        #expect(yaw > 30, "turned towards the image's right: \(yaw)")
        let finding = try #require(findings.first { $0.code == .photoNotFrontal })
        #expect(finding.detail["measure"] == .string("yaw") && finding.detail["maximum"] == .double(5))
    }

    @Test(
        "The mesh measures yaw, pitch and eye openness; the frontal, open-eyed portraits pass with every check",
        arguments: ["good.jpg", "good-600x800.jpg", "studio-backdrop.jpg", "head-fills-frame.jpg", "tilted.jpg"])
    func poseAndEyes(name: String) throws {
        let photo = try #require(Photos.judge(name).facts.photo)
        let checks = try #require(photo.checks)
        for measure in ["yaw", "pitch", "eyes_open"] {
            let check = try #require(checks.first { $0.measure == measure }, "\(name): \(measure)")
            #expect(check.passed, "\(name): \(measure) = \(check.value ?? -1)")
        }
        #expect(photo.landmarkModel == "mediapipe-face-mesh")
        // dlib's 68 points give eye openness but no depth: pose beyond roll goes unjudged with that option.
        let dlib = try #require(Photos.judge(name, model: PhotoInspector.dlibLandmarkModel).facts.photo)
        #expect(dlib.measurements.yawDegrees == nil && dlib.measurements.eyeOpenness != nil)
    }

    @Test(
        "On a second person (glasses, grey hair, dark uniform) the face measures pass; her hat and flag do not",
        arguments: Photos.models)
    func secondPerson(model: String) throws {
        let (findings, facts) = Photos.judge("second-person-hopper.jpg", model: model)
        let photo = try #require(facts.photo)
        #expect(photo.faces.count == 1)
        let checks = try #require(photo.checks)
        let faceMeasures = [
            "yaw", "pitch", "eyes_open", "roll_degrees", "face_center_ratio", "sharpness", "image_sharpness",
            "face_brightness", "face_highlights_clipped", "colourfulness",
        ]
        for check in checks where faceMeasures.contains(check.measure) {
            #expect(check.passed, "\(model): \(check.measure) = \(check.value ?? -1)")
        }
        #expect(Photos.errors(findings).contains(.photoBackgroundNotPlain), "the flag: \(findings.map(\.code))")
        if model == PhotoInspector.defaultLandmarkModel {
            #expect(checks.contains { $0.measure == "pitch" }, "pitch measured on her too")
        }
    }

    /// The people beyond Eileen Collins (PROVENANCE.md, "More people"): Wikimedia portraits framed as good.jpg on
    /// the plain background (Guido van Rossum before his own wooden wall), each keeping the pose they were
    /// photographed in. None faced the camera within ICAO's ±5° in both yaw and pitch.
    static let morePeople = [
        "person-giunchedi.jpg", "person-maher.jpg", "person-guido.jpg", "person-paumier.jpg",
    ]

    @Test(
        "Real people photographed off frontal are refused for their pose, on the measure that is off",
        arguments: [
            // Facing the camera (yaw 2.9°) with his chin raised.
            ("person-giunchedi.jpg", "pitch", 6.0...12.0),
            // Turned a little to the image's left: the nose tip at 29 % of the cheek-to-cheek span.
            ("person-maher.jpg", "yaw", 9.0...20.0),
            ("person-guido.jpg", "yaw", 20.0...40.0),
            ("person-paumier.jpg", "yaw", 35.0...60.0),
        ])
    func realPose(_ person: (name: String, measure: String, range: ClosedRange<Double>)) throws {
        let (findings, facts) = Photos.judge(person.name)
        let photo = try #require(facts.photo)
        #expect(photo.faces.count == 1)
        let finding = try #require(findings.first { $0.code == .photoNotFrontal }, "\(findings.map(\.code))")
        #expect(finding.detail["measure"] == .string(person.measure))
        let check = try #require(photo.checks?.first { $0.measure == person.measure })
        #expect(person.range.contains(abs(check.value ?? 0)), "\(person.name): \(check.value ?? -1)")
    }

    @Test(
        "On every other person the face measures pass: eyes, roll, sharpness, brightness, exposure, colour",
        arguments: morePeople, Photos.models)
    func realFaceMeasures(name: String, model: String) throws {
        let photo = try #require(Photos.judge(name, model: model).facts.photo)
        #expect(photo.faces.count == 1, "\(name)")
        let checks = try #require(photo.checks)
        let faceMeasures = [
            "eyes_open", "roll_degrees", "sharpness", "image_sharpness", "face_brightness", "face_highlights_clipped",
            "image_highlights_clipped", "image_shadows_clipped", "colourfulness",
        ]
        for measure in faceMeasures {
            let check = try #require(checks.first { $0.measure == measure }, "\(name): \(measure)")
            #expect(check.passed, "\(name) (\(model)): \(measure) = \(check.value ?? -1)")
        }
    }

    @Test(
        "Framed as good.jpg, Filippo Giunchedi passes every rule but pitch (unjudged with dlib's 68 points)",
        arguments: Photos.models)
    func onlyPitch(model: String) throws {
        let (findings, facts) = Photos.judge("person-giunchedi.jpg", model: model)
        let photo = try #require(facts.photo)
        // His short hair over a light forehead is still found against the background: framed 11 % below the top.
        #expect(photo.face?.crownMethod == .background)
        let margin = try #require(photo.measurements.topMarginRatio)
        #expect(abs(margin - 0.11) < 0.01, "\(margin)")
        let checks = try #require(photo.checks)
        let failed = checks.filter { !$0.passed }.map(\.measure)
        if model == PhotoInspector.defaultLandmarkModel {
            #expect(failed == ["pitch"], "\(failed)")
            #expect(Photos.errors(findings) == [.photoNotFrontal])
        } else {
            #expect(failed.isEmpty, "\(failed)")
            #expect(findings.isEmpty, "\(findings.map(\.code))")
        }
    }

    @Test(
        "A heavy blur or overexposure of another real person is named as such, never as only no face",
        arguments: [
            ("person-giunchedi-heavily-blurred.jpg", FindingCode.photoBlurry, "image_sharpness"),
            ("person-giunchedi-heavily-overexposed.jpg", .photoOverexposed, "image_highlights_clipped"),
            ("person-maher-heavily-blurred.jpg", .photoBlurry, "image_sharpness"),
            ("person-maher-heavily-overexposed.jpg", .photoOverexposed, "image_highlights_clipped"),
            ("person-paumier-heavily-blurred.jpg", .photoBlurry, "image_sharpness"),
            ("person-paumier-heavily-overexposed.jpg", .photoOverexposed, "image_highlights_clipped"),
        ], Photos.models)
    func realHeavyDefects(_ variant: (name: String, expected: FindingCode, measure: String), model: String) throws {
        let (findings, facts) = Photos.judge(variant.name, model: model)
        let errors = Photos.errors(findings)
        #expect(errors.first == variant.expected, "\(variant.name) (\(model)): \(errors)")
        #expect(!errors.contains(.photoNoFace))
        let finding = try #require(findings.first { $0.code == variant.expected })
        #expect(finding.detail["measure"] == .string(variant.measure))
        let check = try #require(facts.photo?.checks?.first { $0.measure == variant.measure })
        #expect(!check.passed)
    }

    @Test(
        "On the person whose only defect is his pose, a heavy blur or overexposure adds exactly its own code",
        arguments: [
            ("person-giunchedi-heavily-blurred.jpg", FindingCode.photoBlurry),
            ("person-giunchedi-heavily-overexposed.jpg", .photoOverexposed),
        ])
    func heavyDefectAddsItsOwnCode(_ variant: (name: String, expected: FindingCode)) {
        let (findings, _) = Photos.judge(variant.name)
        #expect(Photos.errors(findings) == [variant.expected, .photoNotFrontal], "\(findings.map(\.code))")
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
