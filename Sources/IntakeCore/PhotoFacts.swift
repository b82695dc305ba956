/// What inspection measured about a face photo. Facts carry no thresholds: `PhotoRules` holds them against the
/// photo specification in force, so a reprocess under new thresholds needs no new measurement.
public struct PhotoFacts: Hashable, Sendable, Codable {
    /// `jpeg` or `png`.
    public var format: String
    /// Pixels as the photo is shown, after the EXIF orientation is applied.
    public var width: Int
    public var height: Int
    /// The EXIF orientation (1–8) that was applied; 1 when the file has none.
    public var orientation: Int
    /// When the camera says it took the photo (EXIF `DateTimeOriginal`, else `DateTime`), as `YYYY-MM-DDTHH:MM:SS`
    /// in the camera's local time; nil when the file does not say.
    public var capturedAt: String?
    /// The EXIF `Software` tag: the camera firmware or the app that last wrote the file.
    public var software: String?
    /// Why the pixels could not be read (corrupt data, unsupported colour space); nothing else is measured then.
    public var decodeError: String?
    /// Every face the detector found, largest first.
    public var faces: [FaceBox]
    /// The largest face's landmarks and the points derived from them.
    public var face: FaceGeometry?
    /// What the photo rules are held against.
    public var measurements: PhotoMeasurements
    /// The landmark model the geometry came from (its file name).
    public var landmarkModel: String?
    /// The rules this photo was held against, with their bounds: filled in when it is judged (`PhotoRules`), not
    /// by inspection, so each verdict shows the thresholds of the policy that produced it.
    public var checks: [PhotoCheck]?

    public init(
        format: String, width: Int, height: Int, orientation: Int = 1, capturedAt: String? = nil,
        software: String? = nil, decodeError: String? = nil, faces: [FaceBox] = [], face: FaceGeometry? = nil,
        measurements: PhotoMeasurements = PhotoMeasurements(), landmarkModel: String? = nil
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.orientation = orientation
        self.capturedAt = capturedAt
        self.software = software
        self.decodeError = decodeError
        self.faces = faces
        self.face = face
        self.measurements = measurements
        self.landmarkModel = landmarkModel
    }

    enum CodingKeys: String, CodingKey {
        case format, width, height, orientation, software, faces, face, measurements
        case capturedAt = "captured_at"
        case decodeError = "decode_error"
        case landmarkModel = "landmark_model"
        case checks
    }

    /// Every key, `null` where unknown, so a reader can tell "not measured" from "not reported".
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(orientation, forKey: .orientation)
        try container.encode(capturedAt, forKey: .capturedAt)
        try container.encode(software, forKey: .software)
        try container.encode(decodeError, forKey: .decodeError)
        try container.encode(faces, forKey: .faces)
        try container.encode(face, forKey: .face)
        try container.encode(measurements, forKey: .measurements)
        try container.encode(landmarkModel, forKey: .landmarkModel)
        try container.encodeIfPresent(checks, forKey: .checks)
    }
}

/// A point in image pixels, origin at the top left.
public struct PhotoPoint: Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One detected face: the detector's box and its score (0 is its acceptance threshold; higher is surer).
public struct FaceBox: Hashable, Sendable, Codable {
    public var left: Double
    public var top: Double
    public var width: Double
    public var height: Double
    public var confidence: Double
    public init(left: Double, top: Double, width: Double, height: Double, confidence: Double) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        self.confidence = confidence
    }
}

/// The measured face: the model's landmarks (dlib: 68 in iBUG 300-W order; MediaPipe: the 468-point mesh) and
/// the points the rules use, which mean the same whatever the model.
public struct FaceGeometry: Hashable, Sendable, Codable {
    /// Where the crown (top of the head, hair included) was found.
    public enum CrownMethod: String, Hashable, Sendable, Codable {
        /// The first rows above the face that differ from the plain background.
        case background
        /// Estimated from the brow-to-chin distance, when the background gave no clear edge.
        case landmarks
    }
    public var landmarks: [PhotoPoint]
    /// Centre of the eye on the image's left (the subject's right eye).
    public var leftEye: PhotoPoint
    public var rightEye: PhotoPoint
    /// The tip of the chin (landmark 8).
    public var chin: PhotoPoint
    /// The top of the head, hair included.
    public var crownY: Double
    public var crownMethod: CrownMethod

    public init(
        landmarks: [PhotoPoint], leftEye: PhotoPoint, rightEye: PhotoPoint, chin: PhotoPoint, crownY: Double,
        crownMethod: CrownMethod
    ) {
        self.landmarks = landmarks
        self.leftEye = leftEye
        self.rightEye = rightEye
        self.chin = chin
        self.crownY = crownY
        self.crownMethod = crownMethod
    }

    enum CodingKeys: String, CodingKey {
        case landmarks, chin
        case leftEye = "left_eye"
        case rightEye = "right_eye"
        case crownY = "crown_y"
        case crownMethod = "crown_method"
    }
}

/// The numbers the photo rules judge. Image measurements (colourfulness, image sharpness and exposure) are taken
/// on every decoded photo; face measurements are nil without exactly one measurable face.
public struct PhotoMeasurements: Hashable, Sendable, Codable {
    /// Mean colour saturation of the photo (0 for a grey image; about 20 or more for a colour portrait).
    public var colourfulness: Double?
    /// The 99th percentile of the absolute 4-neighbour Laplacian over the whole photo, scaled to 240 pixels wide:
    /// the strength of its sharpest edges. Measured without a face, so a photo too blurred for the detector is
    /// still told it is blurred (a plain background adds no edges, so it does not lower this).
    public var imageSharpness: Double?
    /// Fraction of the frame's centre (30–70 % of the width, 25–65 % of the height, where a compliant crop puts
    /// the face) at luminance 250 or more: washed out, even when the detector no longer finds the face there.
    public var imageHighlightsClipped: Double?
    /// Fraction of the frame's centre at luminance 5 or less: the face lost in black.
    public var imageShadowsClipped: Double?
    /// Crown (hair included) to chin, as a fraction of the photo's height.
    public var headHeightRatio: Double?
    /// Space above the crown, as a fraction of the photo's height.
    public var topMarginRatio: Double?
    /// The point between the eyes, as a fraction of the photo's width from the left.
    public var faceCenterRatio: Double?
    /// The eye line, as a fraction of the photo's height from the bottom.
    public var eyeLineRatio: Double?
    /// Angle of the eye line from horizontal, in degrees; positive when the subject's left eye (image right) is lower.
    public var rollDegrees: Double?
    /// Pixels between the eye centres.
    public var interEyeDistance: Double?
    /// Head turn (yaw) and nod (pitch) in degrees, from the face mesh's depth: 0 faces the camera; yaw is positive
    /// when the face turns towards the image's right, pitch when the chin comes up. Nil with a model without depth.
    public var yawDegrees: Double?
    public var pitchDegrees: Double?
    /// The eye-aspect ratio (eyelid gap over eye width; Soukupová and Čech, 2016) of the less open eye: about
    /// 0.25–0.35 open, under 0.15 closed.
    public var eyeOpenness: Double?
    /// Largest standard deviation of luminance (0–255) among the background regions beside and above the head.
    public var backgroundDeviation: Double?
    /// Difference between the brightest and darkest background region's mean luminance: a shadow on one side.
    public var backgroundImbalance: Double?
    /// Mean luminance of the background regions.
    public var backgroundBrightness: Double?
    /// How many background regions (strips beside and above the head) could be measured: 0 when the head leaves
    /// no background to see, which is itself no plain background.
    public var backgroundRegions: Int?
    /// Variance of the Laplacian over the face, at a scale where the eyes are about 100 pixels apart.
    public var sharpness: Double?
    /// Mean luminance (0–255) over the inner face.
    public var faceBrightness: Double?
    /// Fraction of inner-face pixels at or above 250: washed out.
    public var faceHighlightsClipped: Double?

    public init(
        colourfulness: Double? = nil, imageSharpness: Double? = nil, imageHighlightsClipped: Double? = nil,
        imageShadowsClipped: Double? = nil, headHeightRatio: Double? = nil, topMarginRatio: Double? = nil,
        faceCenterRatio: Double? = nil, eyeLineRatio: Double? = nil, rollDegrees: Double? = nil,
        interEyeDistance: Double? = nil, yawDegrees: Double? = nil, pitchDegrees: Double? = nil,
        eyeOpenness: Double? = nil, backgroundDeviation: Double? = nil, backgroundImbalance: Double? = nil,
        backgroundBrightness: Double? = nil, backgroundRegions: Int? = nil, sharpness: Double? = nil,
        faceBrightness: Double? = nil,
        faceHighlightsClipped: Double? = nil
    ) {
        self.colourfulness = colourfulness
        self.imageSharpness = imageSharpness
        self.imageHighlightsClipped = imageHighlightsClipped
        self.imageShadowsClipped = imageShadowsClipped
        self.headHeightRatio = headHeightRatio
        self.topMarginRatio = topMarginRatio
        self.faceCenterRatio = faceCenterRatio
        self.eyeLineRatio = eyeLineRatio
        self.rollDegrees = rollDegrees
        self.interEyeDistance = interEyeDistance
        self.yawDegrees = yawDegrees
        self.pitchDegrees = pitchDegrees
        self.eyeOpenness = eyeOpenness
        self.backgroundDeviation = backgroundDeviation
        self.backgroundImbalance = backgroundImbalance
        self.backgroundBrightness = backgroundBrightness
        self.backgroundRegions = backgroundRegions
        self.sharpness = sharpness
        self.faceBrightness = faceBrightness
        self.faceHighlightsClipped = faceHighlightsClipped
    }

    enum CodingKeys: String, CodingKey {
        case colourfulness, sharpness
        case imageSharpness = "image_sharpness"
        case imageHighlightsClipped = "image_highlights_clipped"
        case imageShadowsClipped = "image_shadows_clipped"
        case headHeightRatio = "head_height_ratio"
        case topMarginRatio = "top_margin_ratio"
        case faceCenterRatio = "face_center_ratio"
        case eyeLineRatio = "eye_line_ratio"
        case rollDegrees = "roll_degrees"
        case interEyeDistance = "inter_eye_distance"
        case yawDegrees = "yaw"
        case pitchDegrees = "pitch"
        case eyeOpenness = "eyes_open"
        case backgroundDeviation = "background_deviation"
        case backgroundImbalance = "background_imbalance"
        case backgroundBrightness = "background_brightness"
        case backgroundRegions = "background_regions"
        case faceBrightness = "face_brightness"
        case faceHighlightsClipped = "face_highlights_clipped"
    }

    /// Every key, `null` where not measured.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(colourfulness, forKey: .colourfulness)
        try container.encode(imageSharpness, forKey: .imageSharpness)
        try container.encode(imageHighlightsClipped, forKey: .imageHighlightsClipped)
        try container.encode(imageShadowsClipped, forKey: .imageShadowsClipped)
        try container.encode(headHeightRatio, forKey: .headHeightRatio)
        try container.encode(topMarginRatio, forKey: .topMarginRatio)
        try container.encode(faceCenterRatio, forKey: .faceCenterRatio)
        try container.encode(eyeLineRatio, forKey: .eyeLineRatio)
        try container.encode(rollDegrees, forKey: .rollDegrees)
        try container.encode(interEyeDistance, forKey: .interEyeDistance)
        try container.encode(yawDegrees, forKey: .yawDegrees)
        try container.encode(pitchDegrees, forKey: .pitchDegrees)
        try container.encode(eyeOpenness, forKey: .eyeOpenness)
        try container.encode(backgroundDeviation, forKey: .backgroundDeviation)
        try container.encode(backgroundImbalance, forKey: .backgroundImbalance)
        try container.encode(backgroundBrightness, forKey: .backgroundBrightness)
        try container.encode(backgroundRegions, forKey: .backgroundRegions)
        try container.encode(sharpness, forKey: .sharpness)
        try container.encode(faceBrightness, forKey: .faceBrightness)
        try container.encode(faceHighlightsClipped, forKey: .faceHighlightsClipped)
    }
}
