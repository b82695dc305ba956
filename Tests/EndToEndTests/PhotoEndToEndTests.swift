import Foundation
import IntakeStore
import IntakeTestSupport
import Testing

/// Face photos through the real binary: `check`, `submit --photo`, the worker's isolated inspector, `status`, and
/// a reprocess that judges the stored measurements under a changed threshold.
@Suite("Face photos end to end")
struct PhotoEndToEndTests {
    func photo(_ name: String) -> String {
        TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/Photos/\(name)").path
    }

    @Test(
        "check: a JPEG is checked as the photo by default; facts.photo holds the measurements, the face and the thresholds"
    )
    func check() throws {
        let intake = IntakeBinary()
        let result = intake.run(["check", photo("good.jpg"), photo("tilted.jpg"), "--json"])
        #expect(result.status == 1, "one photo is rejected")
        let reports = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let good = try #require(reports.first)
        #expect(good["slot"] as? String == "photo")
        #expect(good["verdict"] as? String == "accepted")
        let facts = try #require((good["facts"] as? [String: Any])?["photo"] as? [String: Any])
        #expect(facts["format"] as? String == "jpeg")
        #expect(facts["width"] as? Int == 480 && facts["height"] as? Int == 640)
        #expect((facts["faces"] as? [[String: Any]])?.count == 1)
        let face = try #require(facts["face"] as? [String: Any])
        #expect((face["landmarks"] as? [Any])?.count == 468, "the default model's mesh")
        #expect(facts["landmark_model"] as? String == "mediapipe-face-mesh")
        let measurements = try #require(facts["measurements"] as? [String: Any])
        for key in [
            "head_height_ratio", "top_margin_ratio", "face_center_ratio", "eye_line_ratio", "roll_degrees",
            "inter_eye_distance", "background_deviation", "sharpness", "face_brightness", "colourfulness",
            "image_sharpness", "image_highlights_clipped", "yaw", "pitch", "eyes_open",
        ] {
            #expect(measurements[key] is Double, "\(key)")
        }
        let checks = try #require(facts["checks"] as? [[String: Any]])
        let head = try #require(checks.first { $0["code"] as? String == "photo.face_too_small" })
        #expect(head["minimum"] as? Double == 0.55)
        #expect(head["passed"] as? Bool == true)

        let tilted = try #require(reports.last)
        let codes = (tilted["findings"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["photo.head_tilted"])
    }

    @Test(
        "check: real people photographed off frontal are refused as not frontal, each with the measure that is off"
    )
    func realPeoplePose() throws {
        let people = [
            ("person-giunchedi.jpg", "pitch"), ("person-maher.jpg", "yaw"), ("person-guido.jpg", "yaw"),
            ("person-paumier.jpg", "yaw"),
        ]
        let result = IntakeBinary().run(["check"] + people.map { photo($0.0) } + [photo("good.jpg"), "--json"])
        #expect(result.status == 1)
        let reports = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(reports.count == people.count + 1)
        for ((name, measure), report) in zip(people, reports) {
            #expect(report["verdict"] as? String == "rejected", "\(name)")
            let findings = try #require(report["findings"] as? [[String: Any]])
            let pose = try #require(findings.first { $0["code"] as? String == "photo.not_frontal" }, "\(name)")
            #expect((pose["detail"] as? [String: Any])?["measure"] as? String == measure, "\(name): \(pose)")
        }
        #expect(reports.last?["verdict"] as? String == "accepted", "the frontal portrait beside them")
    }

    @Test("check --slot attachment refuses a photo as not a PDF; a PDF in the photo slot is not a photo")
    func slots() throws {
        let intake = IntakeBinary()
        let asAttachment = intake.run(["check", "--slot", "attachment", photo("good.jpg")])
        #expect(asAttachment.status == 1)
        #expect(asAttachment.standardOutput.contains("file.type_not_allowed"))
        let asPhoto = intake.run(["check", "--slot", "photo", TestSupport.corpusFile("plain.pdf")])
        #expect(asPhoto.status == 1)
        #expect(asPhoto.standardOutput.contains("photo.type_not_allowed"))
    }

    @Test(
        "submit --photo: the worker judges the photo, status shows it in the photo slot, and a reprocess under a looser roll limit accepts the tilted one from its stored measurements"
    )
    func submitAndReprocess() async throws {
        let intake = IntakeBinary()
        let good = intake.run([
            "submit", "--application", "P-1", "--uploader", "emp-1", "--photo", photo("good.jpg"), "--attachment",
            TestSupport.corpusFile("plain.pdf"),
        ])
        #expect(good.status == 0, "\(good.standardError)")
        let tilted = intake.run([
            "submit", "--application", "P-2", "--uploader", "emp-1", "--photo", photo("tilted.jpg"),
        ])
        #expect(tilted.status == 0, "\(tilted.standardError)")
        #expect(intake.run(["work", "--until-empty"]).status == 0)

        let store = try intake.store()
        let first = try #require(try await store.status(applicationId: "P-1"))
        let photoUpload = try #require(first.uploads.first { $0.upload.slot == .photo })
        #expect(photoUpload.items.first?.latest?.verdict == .accepted)
        #expect(photoUpload.items.first?.latest?.facts.photo?.faces.count == 1)
        let second = try #require(try await store.status(applicationId: "P-2"))
        let rejected = try #require(second.uploads.first?.items.first?.latest)
        #expect(rejected.verdict == .rejected)
        #expect(rejected.findings.map(\.code.rawValue) == ["photo.head_tilted"])

        let text = intake.run(["status", "P-2"])
        #expect(text.standardOutput.contains("[photo] tilted.jpg"))
        #expect(text.standardOutput.contains("measured: JPEG 480 × 640"))

        var looser = intake
        looser.environment = ["INTAKE_PHOTO_MAX_ROLL": "20"]
        #expect(looser.run(["reprocess", "--all"]).status == 0)
        #expect(looser.run(["work", "--until-empty"]).status == 0)
        let after = try #require(try await store.status(applicationId: "P-2")?.uploads.first?.items.first)
        #expect(after.history == 2, "the old verdict is kept")
        #expect(after.latest?.verdict == .accepted)
        let roll = after.latest?.facts.photo?.checks?.first { $0.code.rawValue == "photo.head_tilted" }
        #expect(roll?.maximum == 20, "the new verdict records the threshold it was held against")
    }
}
