/// Compiled into a `PhotoInspection` module of `EXIFReader.swift` alone (the rest needs libjpeg-turbo, libpng,
/// dlib and OpenCV). The input is the TIFF structure itself, wrapped here in a JPEG's APP1 segment and a PNG's
/// `eXIf` chunk: the fuzzer spends its time in the IFDs, not in finding the wrapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEXIF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let tiff = Array(UnsafeBufferPointer(start: data, count: min(size, 0xFFFF - 8)))
    let segmentLength = tiff.count + 8
    let jpeg =
        [0xFF, 0xD8, 0xFF, 0xE1, UInt8(segmentLength >> 8), UInt8(segmentLength & 0xFF)]
        + Array("Exif\0\0".utf8) + tiff + [0xFF, 0xDA, 0, 2]
    let chunkLength = withUnsafeBytes(of: UInt32(tiff.count).bigEndian, Array.init)
    let png = [0x89] + Array("PNG\r\n\u{1A}\n".utf8) + chunkLength + Array("eXIf".utf8) + tiff + [0, 0, 0, 0]
    let fromJPEG = jpeg.withUnsafeBytes { EXIFReader.read(jpeg: $0) }
    let fromPNG = png.withUnsafeBytes { EXIFReader.read(png: $0) }
    // The same TIFF bytes must say the same thing whichever container carries them.
    precondition(fromJPEG == fromPNG, "the JPEG and PNG readings differ")
    precondition((1...8).contains(fromJPEG.orientation), "an orientation TIFF does not define")
    precondition(fromJPEG.capturedAt.map { $0.utf8.count == 19 } ?? true, "a timestamp of the wrong shape")
    return 0
}
