import CFaceLandmarks
import IntakeCore

/// A face found by a face model: its box, the model's landmarks in full-image pixels, and the points the
/// measurements use, so that `PhotoMeasurer` and the photo rules never depend on which model measured.
struct DetectedFace {
    var box: FaceBox
    /// Every landmark the model gives (68 for dlib, 468 for MediaPipe's mesh); empty for a face not fitted.
    var landmarks: [PhotoPoint]
    var points: FacePoints?
}

/// The face points the measurements are made from, whatever the model.
struct FacePoints {
    /// Eye centres: the eye on the image's left (the subject's right eye) and on its right.
    var leftEye: PhotoPoint
    var rightEye: PhotoPoint
    /// The tip of the chin.
    var chin: PhotoPoint
    /// Mean height of the brows' upper edge.
    var browY: Double
    /// Between the outer eye corners, from the brows' top to below the mouth: skin, eyes, nose and mouth, no hair.
    var innerLeft: Double
    var innerRight: Double
    var innerTop: Double
    var innerBottom: Double
    /// How far above `browY` the crown lies, as a multiple of the brow-to-chin distance, when the background
    /// gives no edge to find it by: each model's brow points sit differently on the brow, so each has its own.
    var crownAboveBrows: Double
    /// The eye-aspect ratio (Soukupová and Čech, 2016) of the less open eye: eyelid gap over eye width.
    var eyeOpenness: Double?
    /// Head turn and nod in degrees, where the model gives depth (nil otherwise).
    var yawDegrees: Double?
    var pitchDegrees: Double?
}

/// Why photos cannot be measured at all: the face model is missing or unreadable. An operational fault, not
/// the photo's: the worker retries the job rather than reject the photo.
public struct PhotoInspectionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The model is missing, unreadable, or not one the measurements can use: no photo can be measured.
        case landmarkModelUnavailable = "landmark_model_unavailable"
        /// The detector ran out of memory on this photo (the inspector's ceiling).
        case detectorOutOfMemory = "detector_out_of_memory"
        /// The detector failed on this photo for another reason.
        case detectorFailed = "detector_failed"
    }
    public var code: Code
    public var message: String
    public var description: String { "\(code.rawValue): \(message)" }
}

/// A face detector with landmarks. Loading one takes from a tenth of a second to over a second, so one instance
/// lives for the process; none is safe to use from two threads at once (the inspector process is serial).
protocol FaceModel: AnyObject {
    /// What measured, recorded with every photo (`facts.photo.landmark_model`).
    var name: String { get }
    /// Faces in the image, largest first; the first is fitted with points. The count is the full count.
    func detect(_ image: borrowing RGBImage, gray: [UInt8]) throws(PhotoInspectionError)
        -> (faces: [DetectedFace], count: Int)
}

/// Picks the model by its path: a folder holds MediaPipe's ONNX files (the default); a file is a dlib 68-point
/// shape predictor, the option an operator may choose knowingly (its training data's terms exclude commercial use).
func loadFaceModel(path: String) throws(PhotoInspectionError) -> any FaceModel {
    if isDirectory(path) { return try MediaPipeFaceModel(folder: path) }
    return try DlibFaceModel(landmarkModelPath: path)
}

/// The C error buffer's text, up to its first NUL.
func errorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// dlib's HOG face detector and 68-point shape predictor (iBUG 300-W order).
final class DlibFaceModel: FaceModel {
    private let model: OpaquePointer
    let name: String
    /// Detection runs on a copy whose longer side is this many pixels: fast, and faces of a passport-style crop
    /// stay far above the detector's 80-pixel minimum. Landmarks and measurements use the full image.
    static let detectionSide = 480
    /// Calibrated on the test portraits (hair included).
    static let crownAboveBrows = 0.88

    init(landmarkModelPath path: String) throws(PhotoInspectionError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let model = intake_face_model_load(path, &error, error.count) else {
            throw PhotoInspectionError(code: .landmarkModelUnavailable, message: "\(path): \(errorText(error))")
        }
        self.model = model
        self.name = String(path.split(separator: "/").last ?? Substring(path))
    }

    deinit { intake_face_model_free(model) }

    func detect(_ image: borrowing RGBImage, gray: [UInt8]) throws(PhotoInspectionError)
        -> (faces: [DetectedFace], count: Int)
    {
        let (width, height) = (image.width, image.height)
        var found = [intake_face](repeating: intake_face(), count: 8)
        var error = [CChar](repeating: 0, count: 512)
        let count = gray.withUnsafeBufferPointer { pixels in
            intake_face_detect(
                model, pixels.baseAddress, Int32(width), Int32(height), Int32(width), Int32(Self.detectionSide),
                &found, Int32(found.count), &error, error.count)
        }
        guard count >= 0 else {
            throw PhotoInspectionError(
                code: count == -2 ? .detectorOutOfMemory : .detectorFailed, message: errorText(error))
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
                landmarks: landmarks, points: Self.points(landmarks))
        }
        return (faces, Int(count))
    }

    /// iBUG 300-W: 36–41 and 42–47 the eyes, 8 the chin, 17–26 the brows, 57 the lower lip's bottom.
    static func points(_ p: [PhotoPoint]) -> FacePoints {
        func aspect(_ e: [Int]) -> Double {
            (distance(p[e[1]], p[e[5]]) + distance(p[e[2]], p[e[4]])) / (2 * max(1e-6, distance(p[e[0]], p[e[3]])))
        }
        return FacePoints(
            leftEye: centroid(p[36...41]), rightEye: centroid(p[42...47]), chin: p[8],
            browY: p[17...26].map(\.y).reduce(0, +) / 10,
            innerLeft: p[36].x, innerRight: p[45].x, innerTop: min(p[19].y, p[24].y), innerBottom: p[57].y,
            crownAboveBrows: crownAboveBrows,
            eyeOpenness: min(aspect([36, 37, 38, 39, 40, 41]), aspect([42, 43, 44, 45, 46, 47])))
    }
}

func centroid<C: Collection>(_ points: C) -> PhotoPoint where C.Element == PhotoPoint {
    let count = Double(points.count)
    return PhotoPoint(x: points.map(\.x).reduce(0, +) / count, y: points.map(\.y).reduce(0, +) / count)
}

func distance(_ a: PhotoPoint, _ b: PhotoPoint) -> Double {
    ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
}
