/// Decoded pixels: 8-bit RGB, rows top to bottom, no padding.
struct RGBImage: ~Copyable {
    let width: Int
    let height: Int
    /// `width × height × 3` bytes.
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3)
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// ITU-R BT.601 luma, the brightness the measurements and the face detector work on.
    func luma() -> [UInt8] {
        var gray = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { rgb in
            gray.withUnsafeMutableBufferPointer { out in
                for index in 0..<out.count {
                    let red = UInt32(rgb[3 * index])
                    let green = UInt32(rgb[3 * index + 1])
                    let blue = UInt32(rgb[3 * index + 2])
                    out[index] = UInt8((299 * red + 587 * green + 114 * blue + 500) / 1000)
                }
            }
        }
        return gray
    }

    /// The image as it is meant to be shown, given its EXIF orientation (1–8; anything else is left alone).
    consuming func oriented(_ orientation: Int) -> RGBImage {
        guard (2...8).contains(orientation) else { return self }
        let (sourceWidth, sourceHeight) = (width, height)
        let swapsAxes = orientation >= 5
        let outWidth = swapsAxes ? sourceHeight : sourceWidth
        let outHeight = swapsAxes ? sourceWidth : sourceHeight
        var output = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sourceX, sourceY): (Int, Int)
                        switch orientation {
                        case 2: (sourceX, sourceY) = (sourceWidth - 1 - x, y)
                        case 3: (sourceX, sourceY) = (sourceWidth - 1 - x, sourceHeight - 1 - y)
                        case 4: (sourceX, sourceY) = (x, sourceHeight - 1 - y)
                        case 5: (sourceX, sourceY) = (y, x)
                        case 6: (sourceX, sourceY) = (y, sourceHeight - 1 - x)
                        case 7: (sourceX, sourceY) = (sourceWidth - 1 - y, sourceHeight - 1 - x)
                        default: (sourceX, sourceY) = (sourceWidth - 1 - y, x)
                        }
                        let from = 3 * (sourceY * sourceWidth + sourceX)
                        let to = 3 * (y * outWidth + x)
                        out[to] = source[from]
                        out[to + 1] = source[from + 1]
                        out[to + 2] = source[from + 2]
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: output)
    }
}
