import CPNG
import CTurboJPEG

/// Why a photo's pixels could not be had. Becomes `photo.malformed` (or `photo.too_many_pixels`), never a crash.
struct DecodeFailure: Error {
    var message: String
    /// The header's dimensions when it was read (0 otherwise): a photo refused for its size still has them.
    var width = 0
    var height = 0
}

/// JPEG (libjpeg-turbo) and PNG (libpng) decoding to RGB. The header is read first, so an image too large to hold
/// is refused before any pixel memory is taken.
enum ImageDecoder {
    /// The pixels, refusing images of more than `maxPixels`.
    static func decode(_ bytes: UnsafeRawBufferPointer, format: PhotoFormat, maxPixels: Int) throws(DecodeFailure)
        -> RGBImage
    {
        switch format {
        case .jpeg: try decodeJPEG(bytes, maxPixels: maxPixels)
        case .png: try decodePNG(bytes, maxPixels: maxPixels)
        }
    }

    private struct JPEGHeader {
        var width: Int
        var height: Int
        var colorspace: Int32
    }

    private static func withJPEGDecompressor<Result: ~Copyable>(
        _ body: (tjhandle) throws(DecodeFailure) -> Result
    ) throws(DecodeFailure) -> Result {
        guard let handle = tjInitDecompress() else {
            throw DecodeFailure(message: "libjpeg-turbo could not start a decompressor")
        }
        defer { tjDestroy(handle) }
        return try body(handle)
    }

    private static func jpegHeader(_ handle: tjhandle, _ bytes: UnsafeRawBufferPointer) throws(DecodeFailure)
        -> JPEGHeader
    {
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        let source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let status = tjDecompressHeader3(
            handle, source, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        // libjpeg-turbo 2.1 fails the header call on a mere warning (stray bytes before a marker); the dimensions
        // it read are good, and decoding judges the rest.
        let usable = status == 0 || tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
        guard usable, width > 0, height > 0 else {
            throw DecodeFailure(message: String(cString: tjGetErrorStr2(handle)))
        }
        return JPEGHeader(width: Int(width), height: Int(height), colorspace: colorspace)
    }

    private static func decodeJPEG(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws(DecodeFailure) -> RGBImage {
        try withJPEGDecompressor { handle throws(DecodeFailure) in
            let header = try jpegHeader(handle, bytes)
            guard header.width * header.height <= maxPixels else {
                throw DecodeFailure(
                    message: "\(header.width) × \(header.height) pixels is more than can be decoded",
                    width: header.width, height: header.height)
            }
            if header.colorspace == Int32(TJCS_CMYK.rawValue) || header.colorspace == Int32(TJCS_YCCK.rawValue) {
                throw DecodeFailure(
                    message: "CMYK JPEG (a print file, not a photo)", width: header.width, height: header.height)
            }
            // libjpeg reports only the first warning of a decode, so a truncation is found from the file's
            // structure, not from the decoder's words: without it the bottom of the photo is grey filler.
            guard JPEGStructure.hasEndOfImage(bytes) else {
                throw DecodeFailure(
                    message: "Premature end of JPEG file", width: header.width, height: header.height)
            }
            var pixels = [UInt8](repeating: 0, count: header.width * header.height * 3)
            // TJFLAG_LIMITSCANS stops a progressive file after 500 scans: thousands of repeated scans would keep
            // the decoder busy until the deadline.
            let status = pixels.withUnsafeMutableBufferPointer { out in
                tjDecompress2(
                    handle, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
                    out.baseAddress, Int32(header.width), 0, Int32(header.height), Int32(TJPF_RGB.rawValue),
                    TJFLAG_LIMITSCANS)
            }
            // A warning still yields every pixel (stray bytes between markers are common from some cameras).
            if status != 0 && tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) {
                throw DecodeFailure(
                    message: String(cString: tjGetErrorStr2(handle)), width: header.width, height: header.height)
            }
            return RGBImage(width: header.width, height: header.height, pixels: pixels)
        }
    }

    private static func decodePNG(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws(DecodeFailure) -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
            throw DecodeFailure(message: pngMessage(image))
        }
        let (width, height) = (Int(image.width), Int(image.height))
        guard width * height <= maxPixels else {
            throw DecodeFailure(
                message: "\(width) × \(height) pixels is more than can be decoded", width: width, height: height)
        }
        // Transparency is composited onto white, as the photo would be printed.
        image.format = UInt32(PNG_FORMAT_RGB)
        var white = png_color(red: 255, green: 255, blue: 255)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let status = pixels.withUnsafeMutableBytes { out in
            png_image_finish_read(&image, &white, out.baseAddress, Int32(width * 3), nil)
        }
        guard status != 0 else { throw DecodeFailure(message: pngMessage(image), width: width, height: height) }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private static func pngMessage(_ image: png_image) -> String {
        var message = image.message
        return withUnsafeBytes(of: &message) { raw in
            let text = raw.prefix { $0 != 0 }
            return text.isEmpty ? "libpng could not read the image" : String(decoding: text, as: UTF8.self)
        }
    }
}

/// The photo formats Intake can measure.
public enum PhotoFormat: String, Sendable {
    case jpeg
    case png

    /// The format for a sniffed MIME type; nil for anything the photo rules do not accept.
    public init?(mime: String) {
        switch mime {
        case "image/jpeg": self = .jpeg
        case "image/png": self = .png
        default: return nil
        }
    }
}
