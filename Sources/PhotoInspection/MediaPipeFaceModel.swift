import CFaceMesh
import Glibc
import IntakeCore

/// Google MediaPipe's face detector (BlazeFace, short range), 468-point face mesh and iris model (which places the
/// largest face's eyelids more precisely than the mesh), run as ONNX files by OpenCV's DNN module: the default.
/// Code, weights and training data permit the agency's use (Apache-2.0, trained on Google's own images;
/// Models/mediapipe/NOTICE), unlike dlib's 68-point model, whose iBUG 300-W training data excludes commercial use.
/// The mesh also gives depth, so head turn and nod are measured, not only roll.
final class MediaPipeFaceModel: FaceModel {
    private let model: OpaquePointer
    let name = "mediapipe-face-mesh"

    init(folder: String) throws(PhotoInspectionError) {
        var error = [CChar](repeating: 0, count: 512)
        guard let model = intake_mesh_model_load(folder, &error, error.count) else {
            throw PhotoInspectionError(code: .landmarkModelUnavailable, message: "\(folder): \(errorText(error))")
        }
        self.model = model
    }

    deinit { intake_mesh_model_free(model) }

    func detect(_ image: borrowing RGBImage, gray: [UInt8]) throws(PhotoInspectionError)
        -> (faces: [DetectedFace], count: Int)
    {
        let (width, height) = (image.width, image.height)
        var found = [intake_mesh_face](repeating: intake_mesh_face(), count: 8)
        var error = [CChar](repeating: 0, count: 512)
        let count = image.pixels.withUnsafeBufferPointer { pixels in
            intake_mesh_detect(
                model, pixels.baseAddress, Int32(width), Int32(height), Int32(3 * width), &found, Int32(found.count),
                &error, error.count)
        }
        guard count >= 0 else {
            throw PhotoInspectionError(
                code: count == -2 ? .detectorOutOfMemory : .detectorFailed, message: errorText(error))
        }
        // The detector alone takes a cat's face for a face (0.57 on no-face-cat.jpg); the mesh's own presence
        // score does not (0.004, against 0.999 or more on every portrait fixture, blurred and washed out ones
        // included). MediaPipe's landmark graph drops a face below 0.5 too. Faces past the first 8 are counted
        // unverified: a photo with that many is refused for them anyway.
        let fitted = found.prefix(Int(min(count, Int32(found.count))))
        let faces = fitted.filter { $0.has_mesh != 0 && $0.mesh_confidence >= Self.minMeshConfidence }.map { face in
            var copy = face
            let mesh = withUnsafeBytes(of: &copy.mesh) { raw in
                let values = raw.bindMemory(to: Double.self)
                return (0..<Int(INTAKE_MESH_POINTS)).map {
                    MeshPoint(x: values[3 * $0], y: values[3 * $0 + 1], z: values[3 * $0 + 2])
                }
            }
            let box = FaceBox(
                left: face.left, top: face.top, width: face.right - face.left, height: face.bottom - face.top,
                confidence: face.confidence)
            return DetectedFace(
                box: box, landmarks: mesh.map { PhotoPoint(x: $0.x, y: $0.y) }, points: Self.points(mesh))
        }
        return (faces, faces.count + max(0, Int(count) - fitted.count))
    }

    /// The mesh's face-presence probability below which the detector's largest face is not taken for a face.
    static let minMeshConfidence = 0.5

    struct MeshPoint {
        var x, y, z: Double
        var flat: PhotoPoint { PhotoPoint(x: x, y: y) }
    }

    /// Eye contours (16 points each) in MediaPipe's mesh topology; the first point is the outer corner.
    static let imageLeftEye = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
    static let imageRightEye = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
    /// The brows' upper edges.
    static let brows = [70, 63, 105, 66, 107, 336, 296, 334, 293, 300]
    /// Points mirrored across the face's midline (image-left, image-right): cheek sides, eye corners, mouth
    /// corners, temples. A frontal face has each pair at one depth, so their depth difference is the head's turn.
    static let mirrored = [(234, 454), (33, 263), (133, 362), (61, 291), (127, 356), (93, 323)]
    /// Calibrated on the test portraits: the mesh's brow points sit on the brow's upper edge, above dlib's.
    static let crownAboveBrows = 0.84
    /// How far the forehead-to-chin line leans back on a frontal face (the forehead recedes), in degrees: 9.3–10.9
    /// on Eileen Collins's frontal portraits, 6.8 on Grace Hopper's. A man photographed chin up leans 1.4 (pitch
    /// 8.6°, refused); lines that leave the chin out agree, so it is his pose, not his beard (PROVENANCE.md). Still
    /// one fully frontal subject: the zero may move when more are found.
    static let frontalLean = 10.0

    static func points(_ mesh: [MeshPoint]) -> FacePoints {
        func aspect(_ p: [Int]) -> Double {
            let m = p.map { mesh[$0].flat }
            return (distance(m[1], m[5]) + distance(m[2], m[4])) / (2 * max(1e-6, distance(m[0], m[3])))
        }
        func outOfPlane(_ from: MeshPoint, _ to: MeshPoint) -> Double {
            atan2(to.z - from.z, ((to.x - from.x) * (to.x - from.x) + (to.y - from.y) * (to.y - from.y)).squareRoot())
                * 180 / Double.pi
        }
        let yaw = mirrored.map { outOfPlane(mesh[$0.0], mesh[$0.1]) }.reduce(0, +) / Double(mirrored.count)
        return FacePoints(
            leftEye: centroid(imageLeftEye.map { mesh[$0].flat }),
            rightEye: centroid(imageRightEye.map { mesh[$0].flat }),
            chin: mesh[152].flat,
            browY: brows.map { mesh[$0].y }.reduce(0, +) / Double(brows.count),
            innerLeft: mesh[33].x, innerRight: mesh[263].x, innerTop: min(mesh[105].y, mesh[334].y),
            innerBottom: mesh[17].y,
            crownAboveBrows: crownAboveBrows,
            // Outer corner, upper lid (two), inner corner, lower lid (two): Soukupová and Čech's six points.
            eyeOpenness: min(aspect([33, 160, 158, 133, 153, 144]), aspect([263, 387, 385, 362, 380, 373])),
            yawDegrees: yaw,
            // Forehead top (10) to chin (152) out of the image plane, counted from a frontal face's lean: positive
            // when the chin comes forward.
            pitchDegrees: -outOfPlane(mesh[10], mesh[152]) + frontalLean)
    }
}

/// Whether `path` names a folder.
func isDirectory(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
}
