import BlobStorage
import Foundation
import IntakeCore
import IntakeStore

/// A judged face photo as a page draws it: the picture's size, where the crown, chin and eyes were measured, and
/// the bands the photo rules in force allow, all in image pixels (origin top left), so a client only scales.
public struct PhotoFigure: Encodable, Sendable {
    /// The measured face; nil without exactly one measurable face.
    public struct Face: Encodable, Sendable, Hashable {
        public var crownY: Double
        public var chinY: Double
        /// The eye line: the mean height of the two eye centres.
        public var eyeY: Double
        /// The point between the eyes, across.
        public var centerX: Double
        public var leftEye: PhotoPoint
        public var rightEye: PhotoPoint
    }
    /// A range of pixels, `[from, to]` with `from <= to`.
    public struct Band: Encodable, Sendable, Hashable {
        public var from: Double
        public var to: Double
    }
    /// What the photo rules allow, drawn against the measured face.
    public struct Bands: Encodable, Sendable {
        /// Where the chin may be for the measured crown: the head height's range, counted down from the crown.
        @NullEncodable public var chin: Band?
        /// Where the crown may be: the top margin's range.
        public var crown: Band
        /// Where the point between the eyes may be, across: the centre's tolerance.
        public var center: Band
        /// Where the eye line may be.
        public var eyeLine: Band
    }
    public var upload: String
    public var width: Int
    public var height: Int
    @NullEncodable public var verdict: Verdict?
    /// The policy whose bands are drawn: the one in force.
    public var policy: String
    @NullEncodable public var face: Face?
    /// Every face the detector found, largest first: two boxes explain `photo.multiple_faces` at a glance.
    public var faces: [FaceBox]
    public var bands: Bands
}

extension IntakeService {
    /// The geometry of a photo upload's latest verdict, for its owner (or anyone who may see its application);
    /// not found for a stranger, for an upload that is not a photo, and for a photo not inspected yet.
    public func photoFigure(upload id: String, for caller: Caller) async throws(IntakeError) -> PhotoFigure {
        let (status, photo) = try await judgedPhoto(upload: id, for: caller)
        let spec = policy.photo
        let (width, height) = (Double(photo.width), Double(photo.height))
        let face = photo.face.map { geometry in
            PhotoFigure.Face(
                crownY: geometry.crownY, chinY: geometry.chin.y, eyeY: (geometry.leftEye.y + geometry.rightEye.y) / 2,
                centerX: (geometry.leftEye.x + geometry.rightEye.x) / 2, leftEye: geometry.leftEye,
                rightEye: geometry.rightEye)
        }
        let bands = PhotoFigure.Bands(
            chin: face.map {
                .init(
                    from: $0.crownY + spec.headHeight.lowerBound * height,
                    to: $0.crownY + spec.headHeight.upperBound * height)
            },
            crown: .init(from: spec.topMargin.lowerBound * height, to: spec.topMargin.upperBound * height),
            center: .init(from: (0.5 - spec.centerTolerance) * width, to: (0.5 + spec.centerTolerance) * width),
            // The eye line's ratio counts from the bottom.
            eyeLine: .init(from: (1 - spec.eyeLine.upperBound) * height, to: (1 - spec.eyeLine.lowerBound) * height))
        return PhotoFigure(
            upload: id, width: photo.width, height: photo.height, verdict: status.items.first?.latest?.verdict,
            policy: policy.version, face: face, faces: photo.faces, bands: bands)
    }

    /// The bytes of a judged photo and the type its content was found to be (JPEG or PNG), so a page can show the
    /// applicant the picture it measured. Only photos of an allowed type are served: never bytes of unknown type.
    public func photoImage(upload id: String, for caller: Caller) async throws(IntakeError) -> (
        mime: String, bytes: [UInt8]
    ) {
        let (status, _) = try await judgedPhoto(upload: id, for: caller)
        guard let mime = status.items.first?.latest?.facts.mime, policy.photo.types.contains(mime) else {
            throw IntakeError(.notFound, "no photo image for upload \(id)")
        }
        let bytes: [UInt8]
        do {
            bytes = try await blobs.withLocalFile(sha256: status.upload.sha256) { path in
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw IntakeError(.storage, "blob \(status.upload.sha256) cannot be read")
                }
                return [UInt8](data)
            }
        } catch let error as IntakeError {
            throw error
        } catch {
            throw IntakeError(.storage, "blob store: \(error)")
        }
        return (mime, bytes)
    }

    private func judgedPhoto(upload id: String, for caller: Caller) async throws(IntakeError) -> (
        UploadStatus, PhotoFacts
    ) {
        let status = try await uploadStatus(id, for: caller)
        guard status.upload.slot == .photo, let photo = status.items.first?.latest?.facts.photo,
            photo.decodeError == nil
        else {
            throw IntakeError(.notFound, "no judged photo for upload \(id)")
        }
        return (status, photo)
    }
}
