import Glibc
import IntakeCore

/// Turns pixels and landmarks into the numbers the photo rules judge. Plain arithmetic over the decoded image.
struct PhotoMeasurer {
    let width: Int
    let height: Int
    /// Luma, `width × height`.
    let gray: [UInt8]

    /// How far below the top edge (a fraction of the height) the estimated crown may lie and hair in the first row
    /// still be read as a crown cut off by the crop: the estimate's error on the test portraits is under 1 %.
    static let cutOffTolerance = 0.03

    // MARK: Colour

    /// Hasler and Süsstrunk's colourfulness (2003) on every fourth pixel: 0 for grey, about 15–40 for portraits.
    static func colourfulness(of image: borrowing RGBImage) -> Double {
        var sumRG = 0.0, sumYB = 0.0, sumRG2 = 0.0, sumYB2 = 0.0
        var samples = 0.0
        image.pixels.withUnsafeBufferPointer { rgb in
            var index = 0
            while index + 2 < rgb.count {
                let red = Double(rgb[index]), green = Double(rgb[index + 1]), blue = Double(rgb[index + 2])
                let rg = red - green
                let yb = 0.5 * (red + green) - blue
                sumRG += rg
                sumYB += yb
                sumRG2 += rg * rg
                sumYB2 += yb * yb
                samples += 1
                index += 12
            }
        }
        guard samples > 0 else { return 0 }
        let meanRG = sumRG / samples, meanYB = sumYB / samples
        let varianceRG = max(0, sumRG2 / samples - meanRG * meanRG)
        let varianceYB = max(0, sumYB2 / samples - meanYB * meanYB)
        return (varianceRG + varianceYB).squareRoot() + 0.3 * (meanRG * meanRG + meanYB * meanYB).squareRoot()
    }

    // MARK: Image quality, with or without a face

    /// Width the whole-image sharpness is measured at: the same photo at 480 or 1200 pixels gives the same value,
    /// and a compliant crop's eyes are still about 50 pixels apart there.
    static let sharpnessWidth = 240

    /// Sharpness and exposure of the whole photo (`imageSharpness`, `imageHighlightsClipped`,
    /// `imageShadowsClipped`), measured before and apart from face detection: a blur or an exposure heavy enough
    /// to hide the face from the detector is still measured, and judged as what it is.
    func imageQuality() -> (sharpness: Double?, highlightsClipped: Double?, shadowsClipped: Double?) {
        let centre = regionStatistics(
            x: Int(0.30 * Double(width))..<Int(0.70 * Double(width)),
            y: Int(0.25 * Double(height))..<Int(0.65 * Double(height)), clippedAbove: 250, clippedBelow: 5)
        return (edgeStrength(), centre?.clippedFraction, centre?.shadowFraction)
    }

    /// The 99th percentile of |Laplacian| on the photo area-averaged to `sharpnessWidth` pixels across. A
    /// percentile, not the variance: a plain background is most of a compliant photo and has no edges, so a
    /// variance would call a sharp face on a large plain wall soft, while the strongest one percent of edges
    /// (eyes, hairline, collar) is what blur takes away first.
    func edgeStrength() -> Double? {
        let columns = min(width, Self.sharpnessWidth)
        let rows = max(1, Int((Double(height) * Double(columns) / Double(width)).rounded()))
        guard columns >= 8, rows >= 8 else { return nil }
        var reduced = [Double](repeating: 0, count: columns * rows)
        gray.withUnsafeBufferPointer { pixels in
            for row in 0..<rows {
                let top = row * height / rows, bottom = max(top + 1, (row + 1) * height / rows)
                for column in 0..<columns {
                    let left = column * width / columns, right = max(left + 1, (column + 1) * width / columns)
                    var sum = 0
                    for y in top..<bottom {
                        let base = y * width
                        for x in left..<right { sum += Int(pixels[base + x]) }
                    }
                    reduced[row * columns + column] = Double(sum) / Double((bottom - top) * (right - left))
                }
            }
        }
        // |Laplacian| lies in 0...1020; quarter-level buckets keep the percentile exact enough and the pass linear.
        var histogram = [Int](repeating: 0, count: 4 * 1020 + 1)
        for row in 1..<(rows - 1) {
            for column in 1..<(columns - 1) {
                let index = row * columns + column
                let laplacian =
                    reduced[index - 1] + reduced[index + 1] + reduced[index - columns] + reduced[index + columns]
                    - 4 * reduced[index]
                histogram[min(histogram.count - 1, Int((abs(laplacian) * 4).rounded()))] += 1
            }
        }
        let total = (rows - 2) * (columns - 2)
        let rank = Int((0.99 * Double(total)).rounded(.up))
        var seen = 0
        for (bucket, count) in histogram.enumerated() {
            seen += count
            if seen >= rank { return Double(bucket) / 4 }
        }
        return Double(histogram.count - 1) / 4
    }

    // MARK: Geometry

    func geometry(of face: DetectedFace, points: FacePoints) -> FaceGeometry {
        let (leftEye, rightEye, chin, browY) = (points.leftEye, points.rightEye, points.chin, points.browY)
        let landmarks = face.landmarks
        let faceSpan = max(1, chin.y - browY)
        let estimate = browY - points.crownAboveBrows * faceSpan
        let edge = crownFromBackground(
            centreX: (leftEye.x + rightEye.x) / 2, eyeDistance: distance(leftEye, rightEye), browY: browY,
            faceSpan: faceSpan)
        // Hair from the first row means the crown is cut off, somewhere above the photo: the estimate says how far,
        // and measuring from row 0 would make the head look smaller than it is. But a patterned background also
        // differs from its row ends in the first row; when the estimate puts the crown clearly inside the photo,
        // it is the pattern, and the estimate is the better crown (a 0 % margin would be a wrong instruction).
        if edge == 0, estimate < Self.cutOffTolerance * Double(height) {
            return FaceGeometry(
                landmarks: landmarks, leftEye: leftEye, rightEye: rightEye, chin: chin, crownY: min(0, estimate),
                crownMethod: .landmarks)
        }
        if let edge, (browY - 1.5 * faceSpan...browY - 0.4 * faceSpan).contains(edge) {
            return FaceGeometry(
                landmarks: landmarks, leftEye: leftEye, rightEye: rightEye, chin: chin, crownY: edge,
                crownMethod: .background)
        }
        return FaceGeometry(
            landmarks: landmarks, leftEye: leftEye, rightEye: rightEye, chin: chin, crownY: estimate,
            crownMethod: .landmarks)
    }

    /// The first row, from the top, where the middle of the head departs from the background for good: the top
    /// of the hair. The background of each row is read from that row's own ends (interpolated across), so a
    /// backdrop lit brighter at the top or on one side does not hide the edge. A run of differing rows counts
    /// only once it is `0.25 ×` the brow-to-chin distance long without a break (hair runs from the crown down to
    /// the brows): a picture, a pelmet or a pattern above the head ends before that and is skipped. Short or thin
    /// hair over a light forehead ends sooner, where the skin is as light as the background (a bearded man with a
    /// receding hairline, PROVENANCE.md): when no run is confirmed, the last one that started below the first row
    /// and lasted `0.1 ×` that distance is the hair (what lies above it is the picture or the pattern). Nil when a
    /// row's ends are not plain before that (no background to measure by) or nothing departs above the brows.
    func crownFromBackground(centreX: Double, eyeDistance: Double, browY: Double, faceSpan: Double) -> Double? {
        let edge = max(3, width / 25)
        // Half an eye distance either side of the eye midpoint (the middle half of the face), clear of the row ends
        // the background is read from (a face at the photo's edge leaves no such columns). From the landmarks,
        // not the detector's box: boxes differ from model to model, the eyes do not.
        let first = max(edge, Int(centreX - 0.5 * eyeDistance))
        let last = min(width - edge, Int(centreX + 0.5 * eyeDistance))
        guard last - first >= 4 else { return nil }
        let columns = first..<last
        let lastRow = min(height, Int(browY))
        guard lastRow > 0 else { return nil }  // the brows are above the photo: no background above them
        let confirmed = max(3, Int(0.25 * faceSpan))
        let shortest = max(3, Int(0.1 * faceSpan))
        return gray.withUnsafeBufferPointer { pixels -> Double? in
            var runStart: Int?
            var lastShortRun: Int?
            for y in 0..<lastRow {
                if let start = runStart, y - start >= confirmed { return Double(start) }
                let row = y * width
                guard let left = regionStatistics(x: 0..<edge, y: y..<(y + 1)),
                    let right = regionStatistics(x: (width - edge)..<width, y: y..<(y + 1)),
                    left.deviation < 12, right.deviation < 12
                else { return nil }
                var differing = 0
                for x in columns {
                    let fraction = Double(x) / Double(width - 1)
                    let background = left.mean + (right.mean - left.mean) * fraction
                    if abs(Double(pixels[row + x]) - background) > 30 { differing += 1 }
                }
                if differing * 3 > columns.count {
                    if runStart == nil { runStart = y }
                } else {
                    if let start = runStart, start > 0, y - start >= shortest { lastShortRun = start }
                    runStart = nil
                }
            }
            // A run still open at the brows is the brows themselves when the hair ended above them.
            return (lastShortRun ?? runStart).map(Double.init)
        }
    }

    /// The rule measurements for one face, added to the image's own (`image`).
    func measurements(points: FacePoints, geometry: FaceGeometry, image: PhotoMeasurements) -> PhotoMeasurements {
        let w = Double(width), h = Double(height)
        let eyeDistance = distance(geometry.leftEye, geometry.rightEye)
        let eyeY = (geometry.leftEye.y + geometry.rightEye.y) / 2
        let roll =
            atan2Degrees(geometry.rightEye.y - geometry.leftEye.y, geometry.rightEye.x - geometry.leftEye.x)
        var measured = image
        measured.headHeightRatio = (geometry.chin.y - geometry.crownY) / h
        measured.topMarginRatio = max(0, geometry.crownY) / h
        measured.faceCenterRatio = (geometry.leftEye.x + geometry.rightEye.x) / 2 / w
        measured.eyeLineRatio = 1 - eyeY / h
        measured.rollDegrees = roll
        measured.interEyeDistance = eyeDistance

        let background = backgroundRegions(
            centreX: (geometry.leftEye.x + geometry.rightEye.x) / 2, eyeDistance: eyeDistance, crownY: geometry.crownY,
            eyeY: eyeY
        )
        .compactMap { regionStatistics(x: $0.x, y: $0.y) }
        measured.backgroundRegions = background.count
        if !background.isEmpty {
            measured.backgroundDeviation = background.map(\.deviation).max()
            let means = background.map(\.mean)
            measured.backgroundImbalance = (means.max() ?? 0) - (means.min() ?? 0)
            measured.backgroundBrightness = means.reduce(0, +) / Double(means.count)
        }

        measured.eyeOpenness = points.eyeOpenness
        measured.yawDegrees = points.yawDegrees
        measured.pitchDegrees = points.pitchDegrees
        let inner = innerFace(points)
        if let statistics = regionStatistics(x: inner.x, y: inner.y, clippedAbove: 250) {
            measured.faceBrightness = statistics.mean
            measured.faceHighlightsClipped = statistics.clippedFraction
        }
        measured.sharpness = laplacianVariance(x: inner.x, y: inner.y, eyeDistance: eyeDistance)
        return measured
    }

    /// Beside the head (from the top down to the eye line, clear of hair and ears) and above the crown (over the
    /// face's width, where no hair can be once the crown is right), however narrow: a head that fills the frame
    /// leaves strips a few pixels wide, and those are still the background the applicant must fix.
    func backgroundRegions(centreX: Double, eyeDistance: Double, crownY: Double, eyeY: Double)
        -> [(x: Range<Int>, y: Range<Int>)]
    {
        // Clear of the outermost pixels (JPEG ringing, scanner borders), and of the hair by a small gap.
        let inset = max(1, min(width, height) / 200)
        let gap = max(2, height / 100)
        // The head with its hair reaches about 1.9 eye distances either side of the eye midpoint (the test
        // portraits' full hair); the face itself about 1.0.
        let headLeft = Int(centreX - Self.headHalfWidth * eyeDistance)
        let headRight = Int((centreX + Self.headHalfWidth * eyeDistance).rounded(.up))
        let bottom = min(height, Int(eyeY))
        var regions: [(x: Range<Int>, y: Range<Int>)] = []
        if headLeft > inset, bottom > inset { regions.append((inset..<headLeft, inset..<bottom)) }
        if headRight < width - inset, bottom > inset { regions.append((headRight..<(width - inset), inset..<bottom)) }
        let aboveCrown = Int(crownY) - gap
        let left = max(inset, Int(centreX - eyeDistance)), right = min(width - inset, Int(centreX + eyeDistance))
        if aboveCrown > inset, right > left { regions.append((left..<right, inset..<aboveCrown)) }
        return regions.filter { $0.x.count >= Self.narrowestStrip && $0.y.count >= Self.narrowestStrip }
            .filter { $0.x.count * $0.y.count >= Self.smallestRegion }
    }

    /// Half the head's width with its hair, in eye distances from the eye midpoint.
    static let headHalfWidth = 1.9
    /// A strip narrower than this many pixels (either way) is not read: its deviation says nothing.
    static let narrowestStrip = 3
    /// Fewest pixels in a background region: a 3-pixel strip beside a 600-pixel-high head is still about 900.
    static let smallestRegion = 200

    /// Between the outer eye corners, from the brows to below the mouth: skin, eyes, nose and mouth, no hair.
    private func innerFace(_ points: FacePoints) -> (x: Range<Int>, y: Range<Int>) {
        let left = max(0, Int(points.innerLeft)), right = min(width, Int(points.innerRight) + 1)
        let top = max(0, Int(points.innerTop)), bottom = min(height, Int(points.innerBottom) + 1)
        return (left..<max(left, right), top..<max(top, bottom))
    }

    struct RegionStatistics {
        var mean: Double
        var deviation: Double
        /// Fraction at or above `clippedAbove`.
        var clippedFraction: Double
        /// Fraction at or below `clippedBelow`.
        var shadowFraction: Double
    }

    func regionStatistics(x: Range<Int>, y: Range<Int>, clippedAbove: UInt8 = 255, clippedBelow: UInt8 = 0)
        -> RegionStatistics?
    {
        let x = x.clamped(to: 0..<width), y = y.clamped(to: 0..<height)
        guard !x.isEmpty, !y.isEmpty else { return nil }
        var sum = 0.0, sumSquares = 0.0, clipped = 0, shadows = 0
        gray.withUnsafeBufferPointer { pixels in
            for row in y {
                for column in x {
                    let value = pixels[row * width + column]
                    let double = Double(value)
                    sum += double
                    sumSquares += double * double
                    if value >= clippedAbove { clipped += 1 }
                    if value <= clippedBelow { shadows += 1 }
                }
            }
        }
        let count = Double(x.count * y.count)
        let mean = sum / count
        return RegionStatistics(
            mean: mean, deviation: max(0, sumSquares / count - mean * mean).squareRoot(),
            clippedFraction: Double(clipped) / count, shadowFraction: Double(shadows) / count)
    }

    /// Variance of the 4-neighbour Laplacian over the region, after averaging blocks of pixels so that the eyes are
    /// about 100 pixels apart: the same face is equally sharp in a small and a large photo.
    func laplacianVariance(x: Range<Int>, y: Range<Int>, eyeDistance: Double) -> Double? {
        let block = max(1, Int(eyeDistance / 100))
        let x = x.clamped(to: 0..<width), y = y.clamped(to: 0..<height)
        let columns = x.count / block, rows = y.count / block
        guard columns >= 3, rows >= 3 else { return nil }
        var reduced = [Double](repeating: 0, count: columns * rows)
        gray.withUnsafeBufferPointer { pixels in
            for row in 0..<rows {
                for column in 0..<columns {
                    var sum = 0
                    for dy in 0..<block {
                        let base = (y.lowerBound + row * block + dy) * width + x.lowerBound + column * block
                        for dx in 0..<block { sum += Int(pixels[base + dx]) }
                    }
                    reduced[row * columns + column] = Double(sum) / Double(block * block)
                }
            }
        }
        var sum = 0.0, sumSquares = 0.0
        for row in 1..<(rows - 1) {
            for column in 1..<(columns - 1) {
                let index = row * columns + column
                let laplacian =
                    reduced[index - 1] + reduced[index + 1] + reduced[index - columns] + reduced[index + columns]
                    - 4 * reduced[index]
                sum += laplacian
                sumSquares += laplacian * laplacian
            }
        }
        let count = Double((rows - 2) * (columns - 2))
        let mean = sum / count
        return max(0, sumSquares / count - mean * mean)
    }

}

/// The angle of `(x, y)` from the x axis, in degrees.
func atan2Degrees(_ y: Double, _ x: Double) -> Double {
    atan2(y, x) * 180 / Double.pi
}
