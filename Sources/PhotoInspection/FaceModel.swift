import CFaceLandmarks
import IntakeCore

/// A face found by the detector, with its 68 landmarks in full-image pixels.
struct DetectedFace {
    var box: FaceBox
    var landmarks: [PhotoPoint]
}

/// Why photos cannot be measured at all: the landmark model is missing or unreadable. An operational fault, not
/// the photo's: the worker retries the job rather than reject the photo.
public struct PhotoInspectionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The model is missing, unreadable, or not a 68-point model: no photo can be measured (retry later).
        case landmarkModelUnavailable = "landmark_model_unavailable"
        /// dlib ran out of memory on this photo (the inspector's ceiling).
        case detectorOutOfMemory = "detector_out_of_memory"
        /// dlib failed on this photo for another reason.
        case detectorFailed = "detector_failed"
    }
    public var code: Code
    public var message: String
    public var description: String { "\(code.rawValue): \(message)" }
}

/// dlib's HOG face detector and 68-point shape predictor. Loading the model takes over a second, so one instance
/// lives for the process; it is not safe to use from two threads at once (the inspector process is serial).
final class FaceModel {
    private let model: OpaquePointer
    /// The model file's name, recorded with every measurement.
    let name: String

    init(landmarkModelPath path: String) throws(PhotoInspectionError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let model = intake_face_model_load(path, &error, error.count) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PhotoInspectionError(code: .landmarkModelUnavailable, message: "\(path): \(reason)")
        }
        self.model = model
        self.name = String(path.split(separator: "/").last ?? Substring(path))
    }

    deinit { intake_face_model_free(model) }

    /// Faces in a luma image, largest first (at most 8 are fitted with landmarks; the count is the full count).
    func detect(gray: [UInt8], width: Int, height: Int, detectionSide: Int) throws(PhotoInspectionError)
        -> (faces: [DetectedFace], count: Int)
    {
        var found = [intake_face](repeating: intake_face(), count: 8)
        var error = [CChar](repeating: 0, count: 512)
        let count = gray.withUnsafeBufferPointer { pixels in
            intake_face_detect(
                model, pixels.baseAddress, Int32(width), Int32(height), Int32(width), Int32(detectionSide), &found,
                Int32(found.count), &error, error.count)
        }
        guard count >= 0 else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PhotoInspectionError(code: count == -2 ? .detectorOutOfMemory : .detectorFailed, message: reason)
        }
        let faces = found.prefix(Int(min(count, Int32(found.count)))).map { face in
            var copy = face
            let landmarks = withUnsafeBytes(of: &copy.landmarks) { raw in
                let values = raw.bindMemory(to: Double.self)
                return (0..<68).map { PhotoPoint(x: values[2 * $0], y: values[2 * $0 + 1]) }
            }
            return DetectedFace(
                box: FaceBox(
                    left: face.left, top: face.top, width: face.right - face.left + 1,
                    height: face.bottom - face.top + 1, confidence: face.confidence),
                landmarks: landmarks)
        }
        return (faces, Int(count))
    }
}
