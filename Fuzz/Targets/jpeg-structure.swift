/// Compiled into a `PhotoInspection` module of `JPEGStructure.swift` and `EXIFReader.swift`: the marker walks
/// over a whole upload, the end-of-image check decoding relies on and the search for the EXIF segment.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEGStructure(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let ended = JPEGStructure.hasEndOfImage(bytes)
    // An end of image is only ever found where the bytes hold one.
    precondition(!ended || zip(bytes, bytes.dropFirst()).contains { $0 == (0xFF, 0xD9) }, "an end that is not there")
    let metadata = EXIFReader.read(jpeg: bytes)
    precondition((1...8).contains(metadata.orientation), "an orientation TIFF does not define")
    return 0
}
