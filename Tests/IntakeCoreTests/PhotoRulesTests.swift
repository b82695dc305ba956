import IntakeTesting
import Testing

@testable import IntakeCore

/// The photo rules over hand-written measurements: thresholds, bounds and dates, without any image.
@Suite("Photo rules")
struct PhotoRulesTests {
    static let policy = Policy.testDefault
    static let today = CalendarDay(year: 2026, month: 11, day: 23)

    /// A photo that passes every rule of the residence-card specification.
    static func passing() -> PhotoFacts {
        PhotoFacts(
            format: "jpeg", width: 600, height: 800,
            faces: [FaceBox(left: 180, top: 280, width: 240, height: 240, confidence: 1)],
            measurements: PhotoMeasurements(
                colourfulness: 30, imageSharpness: 70, imageHighlightsClipped: 0, imageShadowsClipped: 0.01,
                headHeightRatio: 0.62, topMarginRatio: 0.10, faceCenterRatio: 0.5,
                eyeLineRatio: 0.57, rollDegrees: 0.5, interEyeDistance: 130, yawDegrees: -0.8, pitchDegrees: 0.3,
                eyeOpenness: 0.24, backgroundDeviation: 3,
                backgroundImbalance: 4, backgroundBrightness: 230, backgroundRegions: 3, sharpness: 60,
                faceBrightness: 160,
                faceHighlightsClipped: 0))
    }

    func findings(_ photo: PhotoFacts, policy: Policy = policy, on day: CalendarDay = today) -> [Finding] {
        PhotoRules(policy: policy).fileFindings(
            for: FileFacts(mime: "image/jpeg", bytes: 120_000, sha256: "x", photo: photo), fileName: "photo.jpg",
            submittedOn: day)
    }

    @Test("A photo inside every bound has no findings, and every check is recorded as passed")
    func passes() {
        #expect(findings(Self.passing()).isEmpty)
        let checks = PhotoRules(policy: Self.policy).checks(for: Self.passing(), submittedOn: Self.today)
        #expect(checks.allSatisfy { $0.passed })
        #expect(Set(checks.map(\.code)).isSuperset(of: [.photoFaceTooSmall, .photoBlurry, .photoBackgroundNotPlain]))
    }

    @Test("The head-size bounds are the ISA's 25 ± 3 mm of 40 mm: 55 % and 70 % pass, just outside fails")
    func headBounds() {
        for (ratio, expected) in [
            (0.55, [FindingCode]()), (0.70, []), (0.549, [.photoFaceTooSmall]), (0.701, [.photoFaceTooLarge]),
        ] {
            var photo = Self.passing()
            photo.measurements.headHeightRatio = ratio
            #expect(findings(photo).map(\.code) == expected, "head \(ratio)")
        }
    }

    @Test("The top margin is judged only when the head size passes: one instruction, not two")
    func marginAfterSize() {
        var photo = Self.passing()
        photo.measurements.topMarginRatio = 0.01
        #expect(findings(photo).map(\.code) == [.photoTopMargin])
        photo.measurements.headHeightRatio = 0.85
        #expect(findings(photo).map(\.code) == [.photoFaceTooLarge])
    }

    @Test("One finding per rule, even when two of its measures fail")
    func oneFindingPerCode() {
        var photo = Self.passing()
        photo.measurements.faceBrightness = 240
        photo.measurements.faceHighlightsClipped = 0.5
        #expect(findings(photo).map(\.code) == [.photoOverexposed])
    }

    @Test("Warnings inform without rejecting: eye line and inter-eye distance are ISO guidance, not ISA rules")
    func warnings() {
        var photo = Self.passing()
        photo.measurements.eyeLineRatio = 0.8
        photo.measurements.interEyeDistance = 60
        let result = findings(photo)
        #expect(result.map(\.code) == [.photoEyeLine, .photoFaceResolutionLow])
        #expect(result.allSatisfy { $0.severity == .warning })
        #expect(Verdict(findings: result) == .accepted)
    }

    @Test("Age counts calendar months back from the day of submission; no capture date, no finding")
    func age() {
        var photo = Self.passing()
        photo.capturedAt = "2026-05-23T10:00:00"
        #expect(findings(photo).isEmpty, "exactly six months")
        photo.capturedAt = "2026-05-22T23:59:59"
        #expect(findings(photo).map(\.code) == [.photoTooOld])
        #expect(findings(photo, on: CalendarDay(year: 2026, month: 11, day: 22)).isEmpty, "judged on its own day")
        photo.capturedAt = nil
        #expect(findings(photo).isEmpty)
    }

    @Test("Calendar months clamp to shorter months, and Unix times are read in Japan's time zone")
    func calendar() {
        #expect(
            CalendarDay(year: 2026, month: 8, day: 31).adding(months: 6) == CalendarDay(year: 2027, month: 2, day: 28))
        #expect(
            CalendarDay(year: 2024, month: 8, day: 31).adding(months: -6) == CalendarDay(year: 2024, month: 2, day: 29))
        #expect(CalendarDay(japanTime: 0) == CalendarDay(year: 1970, month: 1, day: 1))
        // 2026-11-22T15:00:00Z is midnight of the 23rd in Tokyo.
        #expect(CalendarDay(japanTime: 1_795_359_600) == CalendarDay(year: 2026, month: 11, day: 23))
        #expect(CalendarDay(japanTime: 1_795_359_599) == CalendarDay(year: 2026, month: 11, day: 22))
        #expect(CalendarDay(isoPrefix: "2026-02-30T00:00:00") == nil)
    }

    @Test("Thresholds come from the policy: a looser head range accepts what the default rejects")
    func configurable() {
        var photo = Self.passing()
        photo.measurements.headHeightRatio = 0.78
        #expect(findings(photo).map(\.code) == [.photoFaceTooLarge])
        var passport = Self.policy
        passport.photo.headHeight = 0.70...0.80
        #expect(findings(photo, policy: passport).isEmpty)
        #expect(passport.version != Self.policy.version)
    }

    @Test("No face stops the face rules; two faces too; a photo too large to decode is refused by its pixels")
    func gates() {
        var photo = Self.passing()
        photo.faces = []
        #expect(findings(photo).map(\.code) == [.photoNoFace])
        photo.faces = Array(repeating: FaceBox(left: 0, top: 0, width: 100, height: 100, confidence: 1), count: 2)
        #expect(findings(photo).map(\.code) == [.photoMultipleFaces])
        let huge = PhotoFacts(format: "png", width: 60_000, height: 60_000, decodeError: "too large")
        #expect(findings(huge).map(\.code) == [.photoTooManyPixels])
        let broken = PhotoFacts(format: "jpeg", width: 600, height: 800, decodeError: "Premature end of JPEG file")
        #expect(findings(broken).map(\.code) == [.photoMalformed])
    }

    @Test(
        "Image sharpness and exposure are judged with no face found: the cause is reported instead of no face",
        arguments: [
            ("image_sharpness", 7.9, FindingCode.photoBlurry),
            ("image_highlights_clipped", 0.41, .photoOverexposed),
            ("image_shadows_clipped", 0.61, .photoTooDark),
        ])
    func imageQualityWithoutFace(key: String, value: Double, code: FindingCode) throws {
        var photo = Self.passing()
        photo.faces = []
        switch key {
        case "image_sharpness": photo.measurements.imageSharpness = value
        case "image_highlights_clipped": photo.measurements.imageHighlightsClipped = value
        default: photo.measurements.imageShadowsClipped = value
        }
        let result = findings(photo)
        #expect(result.map(\.code) == [code])
        let finding = try #require(result.first)
        #expect(finding.detail["measure"] == .string(key))
        #expect(!finding.message.en.contains("face is"), "the photo as a whole, not a face: \(finding.message.en)")
        let checks = PhotoRules(policy: Self.policy).checks(for: photo, submittedOn: Self.today)
        #expect(checks.contains { $0.code == .photoNoFace && !$0.passed }, "the miss stays on record")
        // The same value with a face found is the same finding, beside whatever the face measures say.
        photo.faces = Self.passing().faces
        #expect(findings(photo).map(\.code) == [code])
    }

    @Test("A sharp, well-exposed photo with no face is `photo.no_face`; bounds are inclusive")
    func sharpPhotoWithoutFace() {
        var photo = Self.passing()
        photo.faces = []
        photo.measurements.imageSharpness = 8
        photo.measurements.imageHighlightsClipped = 0.40
        photo.measurements.imageShadowsClipped = 0.60
        #expect(findings(photo).map(\.code) == [.photoNoFace])
    }

    @Test("No background to measure is no plain background, unless the head is too large (crop again first)")
    func noBackgroundMeasured() throws {
        var photo = Self.passing()
        photo.measurements.backgroundRegions = 0
        photo.measurements.backgroundDeviation = nil
        photo.measurements.backgroundImbalance = nil
        let result = findings(photo)
        #expect(result.map(\.code) == [.photoBackgroundNotPlain])
        #expect(result.first?.detail["measure"] == .string("background_regions"))
        #expect(result.first?.message.en.contains("No plain background") == true)
        photo.measurements.headHeightRatio = 0.85
        #expect(findings(photo).map(\.code) == [.photoFaceTooLarge])
    }

    @Test(
        "Frontal within ICAO's ±5° either way, yaw and pitch alike; eyes open from 0.12; the values are recorded",
        arguments: [
            ("yaw", 5.0, true), ("yaw", -5.0, true), ("yaw", 5.1, false), ("yaw", -12, false),
            ("pitch", 4.9, true), ("pitch", -5.2, false), ("eyes_open", 0.12, true), ("eyes_open", 0.05, false),
        ])
    func poseAndEyes(measure: String, value: Double, passes: Bool) throws {
        var photo = Self.passing()
        switch measure {
        case "yaw": photo.measurements.yawDegrees = value
        case "pitch": photo.measurements.pitchDegrees = value
        default: photo.measurements.eyeOpenness = value
        }
        let result = findings(photo)
        let expected: FindingCode = measure == "eyes_open" ? .photoEyesClosed : .photoNotFrontal
        #expect(result.map(\.code) == (passes ? [] : [expected]), "\(measure) \(value)")
        let check = try #require(
            PhotoRules(policy: Self.policy).checks(for: photo, submittedOn: Self.today).first { $0.measure == measure })
        #expect(check.value == (measure == "eyes_open" ? value : abs(value)))
        #expect((measure == "eyes_open" ? check.minimum : check.maximum) == (measure == "eyes_open" ? 0.12 : 5))
        let word = measure == "yaw" ? "turned" : measure == "pitch" ? "tipped" : "eyes"
        if !passes { #expect(result.first?.message.en.contains(word) == true, "\(result.first?.message.en ?? "")") }
    }

    @Test("A model without depth (dlib) leaves yaw and pitch unmeasured, and they are not judged")
    func poseNotMeasured() {
        var photo = Self.passing()
        photo.measurements.yawDegrees = nil
        photo.measurements.pitchDegrees = nil
        let checks = PhotoRules(policy: Self.policy).checks(for: photo, submittedOn: Self.today)
        #expect(!checks.contains { $0.code == .photoNotFrontal })
        #expect(findings(photo).isEmpty)
    }

    @Test("A retouching app in the EXIF Software tag is a warning naming it; a camera's firmware is nothing")
    func editingSoftware() throws {
        var photo = Self.passing()
        photo.software = "Meitu 9.8.1"
        let finding = try #require(findings(photo).first)
        #expect(finding.code == .photoEdited && finding.severity == .warning)
        #expect(finding.detail["matched"] == .string("Meitu"))
        photo.software = "iOS 18.1"
        #expect(findings(photo).isEmpty)
    }

    @Test("Messages name the measurement in the applicant's units: millimetres of the 40 mm print")
    func messages() throws {
        var photo = Self.passing()
        photo.measurements.headHeightRatio = 0.40
        let finding = try #require(findings(photo).first)
        #expect(finding.message.en.contains("16 mm"))
        #expect(finding.message.en.contains("22–28 mm"))
        #expect(finding.message.ja.contains("約 16 mm"))
    }
}
