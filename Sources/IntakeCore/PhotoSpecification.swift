/// The face-photo specification in force: every threshold the photo rules hold measurements against.
///
/// Defaults live in `Config/intake.conf`, each with its source: the ISA's photo requirements where it speaks,
/// ISO/IEC 19794-5 and ICAO where it does not.
public struct PhotoSpecification: Sendable, Hashable {
    /// MIME types accepted in the photo slot (`photo.types`).
    public var types: [String]
    /// Largest photo file (`photo.max_file_size`).
    public var maxFileSize: ByteSize
    /// Fewest pixels across and down (`photo.min_width`, `photo.min_height`).
    public var minWidth: Int
    public var minHeight: Int
    /// Most pixels (`photo.max_pixels`), at most `decodeCeiling`.
    public var maxPixels: Int
    /// Images with more pixels are never decoded (120 MB of RGB): a photo above it is judged from its header.
    public static let decodeCeiling = 40_000_000
    /// Width over height (`photo.aspect_ratio`, written `3:4`), and the relative deviation allowed.
    public var aspectRatio: Double
    public var aspectTolerance: Double
    /// Oldest capture date accepted, in months before submission (`photo.max_age_months`).
    public var maxAgeMonths: Int
    /// Crown-to-chin height as a fraction of the photo's height.
    public var headHeight: ClosedRange<Double>
    /// Space above the crown as a fraction of the photo's height.
    public var topMargin: ClosedRange<Double>
    /// Largest distance of the face centre from the middle, as a fraction of the width.
    public var centerTolerance: Double
    /// Eye line as a fraction of the height from the bottom (a warning: ISO/IEC 19794-5, not an ISA rule).
    public var eyeLine: ClosedRange<Double>
    /// Largest roll of the eye line, in degrees.
    public var maxRollDegrees: Double
    /// Largest head turn (yaw) and nod (pitch), in degrees, where the face model measures them.
    public var maxYawDegrees: Double
    public var maxPitchDegrees: Double
    /// Least eye-aspect ratio of the less open eye: below it the eyes count as closed.
    public var minEyeOpenness: Double
    /// Fewest pixels between the eye centres (a warning: ICAO, not an ISA rule).
    public var minInterEyeDistance: Double
    /// Background: largest luminance deviation within a region, and largest difference between regions.
    public var backgroundMaxDeviation: Double
    public var backgroundMaxImbalance: Double
    /// Least face sharpness (variance of the Laplacian at a normalised scale).
    public var minSharpness: Double
    /// Mean face luminance allowed (0–255).
    public var faceBrightness: ClosedRange<Double>
    /// Largest fraction of face pixels clipped to white.
    public var maxHighlightsClipped: Double
    /// Least sharpness of the whole image (its sharpest edges), judged with or without a face: heavy blur only.
    public var minImageSharpness: Double
    /// Largest fraction of the frame's centre clipped to white, and to black, judged with or without a face.
    public var maxImageHighlightsClipped: Double
    public var maxImageShadowsClipped: Double
    /// Least colourfulness: below it the photo is judged black and white.
    public var minColourfulness: Double
    /// Names of retouching apps that, found in the EXIF `Software` tag, earn a warning (`photo.editing_software`).
    public var editingSoftware: [String]

    public init(
        types: [String], maxFileSize: ByteSize, minWidth: Int, minHeight: Int, maxPixels: Int, aspectRatio: Double,
        aspectTolerance: Double, maxAgeMonths: Int, headHeight: ClosedRange<Double>, topMargin: ClosedRange<Double>,
        centerTolerance: Double, eyeLine: ClosedRange<Double>, maxRollDegrees: Double, maxYawDegrees: Double,
        maxPitchDegrees: Double, minEyeOpenness: Double, minInterEyeDistance: Double,
        backgroundMaxDeviation: Double, backgroundMaxImbalance: Double, minSharpness: Double,
        faceBrightness: ClosedRange<Double>, maxHighlightsClipped: Double, minImageSharpness: Double,
        maxImageHighlightsClipped: Double, maxImageShadowsClipped: Double, minColourfulness: Double,
        editingSoftware: [String]
    ) {
        self.minImageSharpness = minImageSharpness
        self.maxImageHighlightsClipped = maxImageHighlightsClipped
        self.maxImageShadowsClipped = maxImageShadowsClipped
        self.editingSoftware = editingSoftware
        self.types = types
        self.maxFileSize = maxFileSize
        self.minWidth = minWidth
        self.minHeight = minHeight
        self.maxPixels = maxPixels
        self.aspectRatio = aspectRatio
        self.aspectTolerance = aspectTolerance
        self.maxAgeMonths = maxAgeMonths
        self.headHeight = headHeight
        self.topMargin = topMargin
        self.centerTolerance = centerTolerance
        self.eyeLine = eyeLine
        self.maxRollDegrees = maxRollDegrees
        self.maxYawDegrees = maxYawDegrees
        self.maxPitchDegrees = maxPitchDegrees
        self.minEyeOpenness = minEyeOpenness
        self.minInterEyeDistance = minInterEyeDistance
        self.backgroundMaxDeviation = backgroundMaxDeviation
        self.backgroundMaxImbalance = backgroundMaxImbalance
        self.minSharpness = minSharpness
        self.faceBrightness = faceBrightness
        self.maxHighlightsClipped = maxHighlightsClipped
        self.minColourfulness = minColourfulness
    }

    /// The defaults of `Config/intake.conf` (a test keeps the two equal), for code that builds a policy by hand.
    public static let residenceCard = PhotoSpecification(
        types: ["image/jpeg", "image/png"], maxFileSize: ByteSize(bytes: 5_000_000), minWidth: 354, minHeight: 472,
        maxPixels: 40_000_000, aspectRatio: 0.75, aspectTolerance: 0.02, maxAgeMonths: 6, headHeight: 0.55...0.70,
        topMargin: 0.05...0.20, centerTolerance: 0.05, eyeLine: 0.50...0.70, maxRollDegrees: 8,
        maxYawDegrees: 5, maxPitchDegrees: 5, minEyeOpenness: 0.12, minInterEyeDistance: 90,
        backgroundMaxDeviation: 16, backgroundMaxImbalance: 24, minSharpness: 20,
        faceBrightness: 70...215, maxHighlightsClipped: 0.10, minImageSharpness: 8, maxImageHighlightsClipped: 0.40,
        maxImageShadowsClipped: 0.60, minColourfulness: 3,
        editingSoftware: [
            "Meitu", "BeautyPlus", "BeautyCam", "SNOW", "B612", "Facetune", "Ulike", "PicsArt", "Snapseed", "Photoshop",
        ])

    public init(configuration: Configuration) throws(ConfigurationError) {
        self.init(
            types: try configuration.list("photo.types"),
            maxFileSize: try configuration.byteSize("photo.max_file_size"),
            minWidth: try configuration.integer("photo.min_width", atLeast: 1),
            minHeight: try configuration.integer("photo.min_height", atLeast: 1),
            maxPixels: try configuration.integer("photo.max_pixels", in: 1...Self.decodeCeiling),
            aspectRatio: try configuration.ratio("photo.aspect_ratio"),
            aspectTolerance: try configuration.number("photo.aspect_tolerance", in: 0...1),
            maxAgeMonths: try configuration.integer("photo.max_age_months", atLeast: 1),
            headHeight: try configuration.range("photo.head_height_min", "photo.head_height_max", in: 0...1),
            topMargin: try configuration.range("photo.top_margin_min", "photo.top_margin_max", in: 0...1),
            centerTolerance: try configuration.number("photo.center_tolerance", in: 0...0.5),
            eyeLine: try configuration.range("photo.eye_line_min", "photo.eye_line_max", in: 0...1),
            maxRollDegrees: try configuration.number("photo.max_roll", in: 0...90),
            maxYawDegrees: try configuration.number("photo.max_yaw", in: 0...90),
            maxPitchDegrees: try configuration.number("photo.max_pitch", in: 0...90),
            minEyeOpenness: try configuration.number("photo.min_eye_openness", in: 0...1),
            minInterEyeDistance: try configuration.number("photo.min_inter_eye_distance", in: 0...10_000),
            backgroundMaxDeviation: try configuration.number("photo.background_max_deviation", in: 0...255),
            backgroundMaxImbalance: try configuration.number("photo.background_max_imbalance", in: 0...255),
            minSharpness: try configuration.number("photo.min_sharpness", in: 0...1_000_000),
            faceBrightness: try configuration.range(
                "photo.face_brightness_min", "photo.face_brightness_max", in: 0...255),
            maxHighlightsClipped: try configuration.number("photo.max_highlights_clipped", in: 0...1),
            minImageSharpness: try configuration.number("photo.min_image_sharpness", in: 0...1020),
            maxImageHighlightsClipped: try configuration.number("photo.max_image_highlights_clipped", in: 0...1),
            maxImageShadowsClipped: try configuration.number("photo.max_image_shadows_clipped", in: 0...1),
            minColourfulness: try configuration.number("photo.min_colourfulness", in: 0...255),
            editingSoftware: try configuration.list("photo.editing_software"))
    }

    /// One `key=value` line per threshold, for the policy's canonical text.
    var canonicalLines: [String] {
        [
            "photo.aspect_ratio=\(aspectRatio)",
            "photo.aspect_tolerance=\(aspectTolerance)",
            "photo.background_max_deviation=\(backgroundMaxDeviation)",
            "photo.background_max_imbalance=\(backgroundMaxImbalance)",
            "photo.center_tolerance=\(centerTolerance)",
            "photo.editing_software=\(editingSoftware.joined(separator: ","))",
            "photo.eye_line=\(eyeLine.lowerBound)-\(eyeLine.upperBound)",
            "photo.face_brightness=\(faceBrightness.lowerBound)-\(faceBrightness.upperBound)",
            "photo.head_height=\(headHeight.lowerBound)-\(headHeight.upperBound)",
            "photo.max_age_months=\(maxAgeMonths)",
            "photo.max_file_size=\(maxFileSize.bytes)",
            "photo.max_highlights_clipped=\(maxHighlightsClipped)",
            "photo.max_image_highlights_clipped=\(maxImageHighlightsClipped)",
            "photo.max_image_shadows_clipped=\(maxImageShadowsClipped)",
            "photo.max_pitch=\(maxPitchDegrees)",
            "photo.max_pixels=\(maxPixels)",
            "photo.max_roll=\(maxRollDegrees)",
            "photo.max_yaw=\(maxYawDegrees)",
            "photo.min_colourfulness=\(minColourfulness)",
            "photo.min_eye_openness=\(minEyeOpenness)",
            "photo.min_height=\(minHeight)",
            "photo.min_image_sharpness=\(minImageSharpness)",
            "photo.min_inter_eye_distance=\(minInterEyeDistance)",
            "photo.min_sharpness=\(minSharpness)",
            "photo.min_width=\(minWidth)",
            "photo.top_margin=\(topMargin.lowerBound)-\(topMargin.upperBound)",
            "photo.types=\(types.joined(separator: ","))",
        ]
    }
}

extension Configuration {
    /// A decimal number within `range`.
    public func number(_ key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        try parsed(key, expected: "a number from \(range.lowerBound) to \(range.upperBound)") {
            Double(decimal: $0).flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
    }

    /// A ratio written `width:height`, such as `3:4`, as width ÷ height.
    public func ratio(_ key: String) throws(ConfigurationError) -> Double {
        let text = try string(key)
        let parts = text.split(separator: ":").compactMap { Double(decimal: String($0).trimmingWhitespace()) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
            throw invalidValue(key, text, expected: "a ratio of width to height such as 3:4")
        }
        return parts[0] / parts[1]
    }

    /// A range given by two keys, the lower not above the upper.
    public func range(_ lowerKey: String, _ upperKey: String, in bounds: ClosedRange<Double>)
        throws(ConfigurationError) -> ClosedRange<Double>
    {
        let lower = try number(lowerKey, in: bounds)
        let upper = try number(upperKey, in: bounds)
        guard lower <= upper else {
            throw invalidValue(upperKey, "\(upper)", expected: "a value not below `\(lowerKey)` (\(lower))")
        }
        return lower...upper
    }
}
