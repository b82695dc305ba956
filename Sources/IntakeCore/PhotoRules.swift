/// The face-photo rules, applied to the facts inspection measured.
///
/// Pure, like `AttachmentRules`: a reprocess under a new specification judges the stored measurements again.
/// Each rule is a `PhotoCheck` (measure, value, bounds); a failed check becomes a finding with its own code.
public struct PhotoRules: Sendable {
    public var policy: Policy
    public var specification: PhotoSpecification { policy.photo }

    public init(policy: Policy) { self.policy = policy }

    /// Findings that depend on the photo alone. `submittedOn` is the day the upload arrived (in Japan): a photo
    /// must have been taken within `photo.max_age_months` before it, also when it is reprocessed later.
    public func fileFindings(for facts: FileFacts, fileName: String, submittedOn: CalendarDay) -> [Finding] {
        if let failure = facts.inspectionFailure {
            if failure.reason == .unreadable || failure.reason == .unavailable {
                return [.fileUnreadable(failure.message)]
            }
            if facts.mime.isEmpty || specification.types.contains(facts.mime) {
                return [.photoMalformed(failure.message, failure: failure.reason)]
            }
        }
        if facts.bytes == 0 { return [.fileEmpty()] }
        var findings: [Finding] = []
        guard specification.types.contains(facts.mime) else {
            return [.photoTypeNotAllowed(mime: facts.mime, allowed: specification.types)]
        }
        if let mismatch = AttachmentRules.nameMismatch(fileName: fileName, mime: facts.mime) {
            findings.append(mismatch)
        }
        if facts.bytes > policy.fileLimit.bytes {
            findings.append(.fileOverLimit(bytes: facts.bytes, limit: policy.fileLimit))
        } else if facts.bytes > specification.maxFileSize.bytes {
            findings.append(.photoFileTooLarge(bytes: facts.bytes, limit: specification.maxFileSize))
        }
        guard let photo = facts.photo else {
            return [.photoMalformed("no photo measurements", failure: nil)] + findings
        }
        let failed = checks(for: photo, submittedOn: submittedOn).filter { !$0.passed }
        if let decodeError = photo.decodeError, !failed.contains(where: { $0.code == .photoTooManyPixels }) {
            return [.photoMalformed(decodeError, failure: nil)] + findings
        }
        // One finding per code: the first failed check of each rule says what to fix. A photo too blurred, too
        // bright or too dark as a whole is told that, not also that no face was found: the detector's miss is a
        // consequence, and retaking the photo sharp and well exposed is the one fix (the failed `faces` check stays
        // in `checks` for the operator).
        var reported: Set<FindingCode> = []
        let imageQuality: Set<String> = ["image_sharpness", "image_highlights_clipped", "image_shadows_clipped"]
        let explained = failed.contains { imageQuality.contains($0.measure) }
        let photoFindings = failed.filter { !(explained && $0.code == .photoNoFace) }.filter {
            reported.insert($0.code).inserted
        }.map {
            Finding.photo($0, specification: specification)
        }
        return photoFindings + findings
    }

    /// Every rule the photo was held against, passed or not, with the measured value and the bounds: what
    /// `facts.photo.checks` shows an operator. Rules that could not be measured (no single face) are left out.
    public func checks(for photo: PhotoFacts, submittedOn: CalendarDay) -> [PhotoCheck] {
        let spec = specification
        var checks: [PhotoCheck] = []
        let pixels = Double(photo.width) * Double(photo.height)
        checks.append(.atMost(.photoTooManyPixels, "pixels", pixels, Double(spec.maxPixels)))
        guard checks.allSatisfy(\.passed), photo.decodeError == nil else { return checks }

        var width = PhotoCheck.atLeast(.photoTooSmall, "width", Double(photo.width), Double(spec.minWidth))
        var height = PhotoCheck.atLeast(.photoTooSmall, "height", Double(photo.height), Double(spec.minHeight))
        width.text = "\(photo.width) × \(photo.height)"
        height.text = width.text
        checks += [width, height]
        let aspect = Double(photo.width) / Double(photo.height)
        checks.append(
            .within(
                .photoAspectRatio, "aspect_ratio", aspect,
                spec.aspectRatio * (1 - spec.aspectTolerance)...spec.aspectRatio * (1 + spec.aspectTolerance)))
        if let captured = photo.capturedAt.flatMap(CalendarDay.init(isoPrefix:)) {
            let oldest = submittedOn.adding(months: -spec.maxAgeMonths)
            checks.append(
                PhotoCheck(
                    code: .photoTooOld, measure: "captured_on", value: nil, text: captured.description,
                    minimum: nil, maximum: nil, bound: oldest.description, passed: !(captured < oldest)))
        }
        if let software = photo.software {
            let lowered = software.lowercased()
            let editor = spec.editingSoftware.first { !$0.isEmpty && lowered.contains($0.lowercased()) }
            checks.append(
                PhotoCheck(
                    code: .photoEdited, measure: "software", value: nil, text: software, minimum: nil, maximum: nil,
                    bound: editor, passed: editor == nil))
        }
        let measured = photo.measurements
        if let colourfulness = measured.colourfulness {
            checks.append(.atLeast(.photoGrayscale, "colourfulness", colourfulness, spec.minColourfulness))
        }
        // Sharpness and exposure of the whole image, judged whether or not a face was found: a photo blurred or
        // washed out past the detector's reach must be told why, not only that no face was seen.
        if let sharpness = measured.imageSharpness {
            checks.append(.atLeast(.photoBlurry, "image_sharpness", sharpness, spec.minImageSharpness))
        }
        if let clipped = measured.imageHighlightsClipped {
            checks.append(
                .atMost(.photoOverexposed, "image_highlights_clipped", clipped, spec.maxImageHighlightsClipped))
        }
        if let clipped = measured.imageShadowsClipped {
            checks.append(.atMost(.photoTooDark, "image_shadows_clipped", clipped, spec.maxImageShadowsClipped))
        }
        checks.append(.atLeast(.photoNoFace, "faces", Double(photo.faces.count), 1))
        guard !photo.faces.isEmpty else { return checks }
        checks.append(.atMost(.photoMultipleFaces, "faces", Double(photo.faces.count), 1))
        guard photo.faces.count == 1 else { return checks }

        if let ratio = measured.headHeightRatio {
            checks.append(.atLeast(.photoFaceTooSmall, "head_height_ratio", ratio, spec.headHeight.lowerBound))
            checks.append(.atMost(.photoFaceTooLarge, "head_height_ratio", ratio, spec.headHeight.upperBound))
            // A head of the wrong size is fixed by cropping again, which also moves the margin: judge the margin
            // only when the size is right, so the applicant reads one instruction, not two.
            if spec.headHeight.contains(ratio), let margin = measured.topMarginRatio {
                checks.append(.within(.photoTopMargin, "top_margin_ratio", margin, spec.topMargin))
            }
        }
        if let center = measured.faceCenterRatio {
            checks.append(
                .within(
                    .photoFaceOffCenter, "face_center_ratio", center,
                    0.5 - spec.centerTolerance...0.5 + spec.centerTolerance))
        }
        if let roll = measured.rollDegrees {
            checks.append(.atMost(.photoHeadTilted, "roll_degrees", abs(roll), spec.maxRollDegrees))
        }
        // Frontal pose (ICAO: yaw and pitch within ±5°) and open eyes, where the face model measures them: dlib's
        // 68 points have no depth, so with that model pose is not judged beyond roll.
        if let yaw = measured.yawDegrees {
            checks.append(.atMost(.photoNotFrontal, "yaw", abs(yaw), spec.maxYawDegrees))
        }
        if let pitch = measured.pitchDegrees {
            checks.append(.atMost(.photoNotFrontal, "pitch", abs(pitch), spec.maxPitchDegrees))
        }
        if let openness = measured.eyeOpenness {
            checks.append(.atLeast(.photoEyesClosed, "eyes_open", openness, spec.minEyeOpenness))
        }
        if let eyeLine = measured.eyeLineRatio {
            checks.append(.within(.photoEyeLine, "eye_line_ratio", eyeLine, spec.eyeLine))
        }
        if let distance = measured.interEyeDistance {
            checks.append(.atLeast(.photoFaceResolutionLow, "inter_eye_distance", distance, spec.minInterEyeDistance))
        }
        // No strip of background to measure is no plain background: the head fills the frame, or the crown and
        // sides are lost in a pattern; a photo whose background went unmeasured is not a pass. Not judged when the
        // head is too large: cropping again with more space, as that finding says, is what brings the background
        // back into view (then it is judged), so the applicant reads one instruction, not two.
        if let regions = measured.backgroundRegions,
            measured.headHeightRatio.map({ $0 <= spec.headHeight.upperBound }) ?? true
        {
            checks.append(.atLeast(.photoBackgroundNotPlain, "background_regions", Double(regions), 1))
        }
        if let deviation = measured.backgroundDeviation {
            checks.append(
                .atMost(.photoBackgroundNotPlain, "background_deviation", deviation, spec.backgroundMaxDeviation))
        }
        if let imbalance = measured.backgroundImbalance {
            checks.append(
                .atMost(.photoBackgroundNotPlain, "background_imbalance", imbalance, spec.backgroundMaxImbalance))
        }
        if let sharpness = measured.sharpness {
            checks.append(.atLeast(.photoBlurry, "sharpness", sharpness, spec.minSharpness))
        }
        if let brightness = measured.faceBrightness {
            checks.append(.atLeast(.photoTooDark, "face_brightness", brightness, spec.faceBrightness.lowerBound))
            checks.append(.atMost(.photoOverexposed, "face_brightness", brightness, spec.faceBrightness.upperBound))
        }
        if let clipped = measured.faceHighlightsClipped {
            checks.append(.atMost(.photoOverexposed, "face_highlights_clipped", clipped, spec.maxHighlightsClipped))
        }
        return checks
    }

    /// The photo facts with `checks` filled in under this policy, for output and for the verdict's record.
    public func annotated(_ facts: FileFacts, submittedOn: CalendarDay) -> FileFacts {
        guard var photo = facts.photo else { return facts }
        photo.checks = checks(for: photo, submittedOn: submittedOn)
        var annotated = facts
        annotated.photo = photo
        return annotated
    }
}

/// One photo rule as applied: what was measured, the bounds it was held against, and whether it passed.
public struct PhotoCheck: Hashable, Sendable, Codable {
    /// The finding raised when the check fails.
    public var code: FindingCode
    /// The measurement's key in `facts.photo.measurements` (or `width`, `height`, `faces`, `captured_on`…).
    public var measure: String
    public var value: Double?
    /// A measured value that is not a number (a date).
    public var text: String?
    public var minimum: Double?
    public var maximum: Double?
    /// A bound that is not a number (the oldest capture date accepted).
    public var bound: String?
    public var passed: Bool

    public init(
        code: FindingCode, measure: String, value: Double?, text: String? = nil, minimum: Double?, maximum: Double?,
        bound: String? = nil, passed: Bool
    ) {
        self.code = code
        self.measure = measure
        self.value = value
        self.text = text
        self.minimum = minimum
        self.maximum = maximum
        self.bound = bound
        self.passed = passed
    }

    static func atLeast(_ code: FindingCode, _ measure: String, _ value: Double, _ minimum: Double) -> PhotoCheck {
        PhotoCheck(code: code, measure: measure, value: value, minimum: minimum, maximum: nil, passed: value >= minimum)
    }

    static func atMost(_ code: FindingCode, _ measure: String, _ value: Double, _ maximum: Double) -> PhotoCheck {
        PhotoCheck(code: code, measure: measure, value: value, minimum: nil, maximum: maximum, passed: value <= maximum)
    }

    static func within(_ code: FindingCode, _ measure: String, _ value: Double, _ range: ClosedRange<Double>)
        -> PhotoCheck
    {
        PhotoCheck(
            code: code, measure: measure, value: value, minimum: range.lowerBound, maximum: range.upperBound,
            passed: range.contains(value))
    }
}
