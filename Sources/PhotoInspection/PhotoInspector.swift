import IntakeCore

/// Measures a face photo: decodes it (respecting the EXIF orientation), finds the faces, fits landmarks on the
/// largest, and measures what the photo rules judge.
///
/// Runs C and C++ over untrusted bytes, so in the worker it runs in the isolated inspector process. The landmark
/// model is loaded on the first photo and kept for the life of the process. Not thread-safe: one per thread.
public final class PhotoInspector {
    /// The default face model: MediaPipe's face detector and mesh as ONNX files, installed from the checkout's
    /// `Models/mediapipe` by `make` (scripts/install-deps.sh). Apache-2.0, trained on Google's own images.
    public static let defaultLandmarkModel = "/usr/local/share/intake/mediapipe"
    /// dlib's 68-point model from Debian's `libdlib-data`: an option an operator may choose knowingly (its
    /// iBUG 300-W training data excludes commercial use), by naming this file instead of a folder.
    public static let dlibLandmarkModel = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    private let landmarkModelPath: String
    private var model: (any FaceModel)?

    /// `landmarkModelPath`: a folder of MediaPipe ONNX files, or a dlib 68-point shape predictor file.
    public init(landmarkModelPath: String = PhotoInspector.defaultLandmarkModel) {
        self.landmarkModelPath = landmarkModelPath
    }

    /// Loads the landmark model now rather than on the first photo (benchmarks time the two apart).
    public func prepare() throws(PhotoInspectionError) {
        if model == nil { model = try loadFaceModel(path: landmarkModelPath) }
    }

    /// The photo's facts. Throws only when photos cannot be measured at all (the model is missing): a damaged
    /// or odd photo gives facts with `decodeError` instead.
    public func inspect(_ bytes: UnsafeRawBufferPointer, mime: String) throws(PhotoInspectionError) -> PhotoFacts? {
        guard let format = PhotoFormat(mime: mime) else { return nil }
        let metadata = format == .jpeg ? EXIFReader.read(jpeg: bytes) : EXIFReader.read(png: bytes)
        let swapsAxes = metadata.orientation >= 5
        var facts = PhotoFacts(
            format: format.rawValue, width: 0, height: 0, orientation: metadata.orientation,
            capturedAt: metadata.capturedAt, software: metadata.software)
        let decoded: RGBImage
        do {
            decoded = try ImageDecoder.decode(bytes, format: format, maxPixels: PhotoSpecification.decodeCeiling)
        } catch {
            (facts.width, facts.height) = swapsAxes ? (error.height, error.width) : (error.width, error.height)
            facts.decodeError = error.message
            return facts
        }
        try prepare()
        guard let model else { return facts }

        let image = decoded.oriented(metadata.orientation)
        (facts.width, facts.height) = (image.width, image.height)
        let gray = image.luma()
        let measurer = PhotoMeasurer(width: image.width, height: image.height, gray: gray)
        let colourfulness = PhotoMeasurer.colourfulness(of: image)
        let (faces, count) = try model.detect(image, gray: gray)
        facts.landmarkModel = model.name
        facts.faces = faces.map(\.box)
        let quality = measurer.imageQuality()
        facts.measurements = PhotoMeasurements(
            colourfulness: colourfulness, imageSharpness: quality.sharpness,
            imageHighlightsClipped: quality.highlightsClipped, imageShadowsClipped: quality.shadowsClipped)
        guard count == 1, let face = faces.first, let points = face.points else { return facts }
        let geometry = measurer.geometry(of: face, points: points)
        facts.face = geometry
        facts.measurements = measurer.measurements(points: points, geometry: geometry, image: facts.measurements)
        return facts
    }
}
