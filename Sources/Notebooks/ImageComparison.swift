// Figures compared as matplotlib's test suite compares them: both PNGs decoded
// (by cairo), pixel values compared, a pass when the root-mean-square difference
// is within a tolerance. Another CPU's BLAS kernels and rounding move a curve by a
// fraction of a pixel, which changes a few anti-aliased pixels by a level or two:
// the bytes differ, the figure does not.

import CCairo
import Foundation

/// How far one image moved from another, over every colour channel of every pixel.
public struct ImageDifference: Sendable, Equatable {
    /// Root-mean-square difference, in levels of 255.
    public let rms: Double
    /// Pixels with any channel changed.
    public let pixelsChanged: Int
    /// The largest change of one channel, in levels.
    public let largest: Int

    public var description: String {
        "RMS \(String(format: "%.3g", rms)) of 255, \(pixelsChanged) pixel\(pixelsChanged == 1 ? "" : "s") changed, "
            + "largest difference \(largest)"
    }
}

/// A PNG decoded to 8-bit channels.
struct DecodedImage {
    let width: Int, height: Int
    /// Channels per pixel that carry information (4 with alpha, 3 without).
    let channels: Int
    /// Rows of 4-byte pixels, `stride` bytes apart.
    let bytes: [UInt8]
    let stride: Int

    struct Unreadable: Error {}

    init(png: Data) throws(Unreadable) {
        final class Reader { let data: Data; var offset = 0; init(_ d: Data) { data = d } }
        let reader = Reader(png)
        let surface = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream({ closure, out, length in
                let reader = Unmanaged<Reader>.fromOpaque(closure!).takeUnretainedValue()
                let n = Int(length)
                guard let out, reader.data.count - reader.offset >= n else { return CAIRO_STATUS_READ_ERROR }
                reader.data.copyBytes(to: out, from: reader.data.startIndex + reader.offset ..< reader.data.startIndex + reader.offset + n)
                reader.offset += n
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(reader).toOpaque())
        }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw Unreadable() }
        cairo_surface_flush(surface)
        let format = cairo_image_surface_get_format(surface)
        guard format == CAIRO_FORMAT_ARGB32 || format == CAIRO_FORMAT_RGB24,
              let data = cairo_image_surface_get_data(surface) else { throw Unreadable() }
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        stride = Int(cairo_image_surface_get_stride(surface))
        channels = format == CAIRO_FORMAT_ARGB32 ? 4 : 3
        bytes = Array(UnsafeBufferPointer(start: data, count: stride * height))
    }

    /// The difference to another image of the same size (nil when the sizes differ).
    func difference(to other: DecodedImage) -> ImageDifference? {
        guard width == other.width, height == other.height else { return nil }
        // Both sides as 4 channels: an opaque image decodes without alpha.
        let channels = max(self.channels, other.channels)
        var squares = 0.0, changed = 0, largest = 0
        for y in 0..<height {
            for x in 0..<width {
                var moved = false
                for c in 0..<channels {
                    // cairo's pixels are native-endian 32-bit words; byte 3 is alpha on x86-64
                    let a = c == 3 && self.channels == 3 ? 255 : Int(bytes[y * stride + x * 4 + c])
                    let b = c == 3 && other.channels == 3 ? 255 : Int(other.bytes[y * other.stride + x * 4 + c])
                    let d = abs(a - b)
                    if d != 0 {
                        moved = true
                        squares += Double(d * d)
                        largest = max(largest, d)
                    }
                }
                if moved { changed += 1 }
            }
        }
        let values = Double(width * height * channels)
        return ImageDifference(rms: values > 0 ? (squares / values).squareRoot() : 0, pixelsChanged: changed, largest: largest)
    }
}

/// Compares a cell's saved figures with its fresh ones, each pair once.
public final class ImageComparer {
    public enum Verdict: Equatable {
        case same
        /// Within the tolerance or not, by how much.
        case moved(ImageDifference)
        /// Why the two cannot be compared pixel by pixel.
        case incomparable(String)
    }

    /// The PNG bytes behind an output, saved or fresh.
    let saved: (Output.Image) -> Data?
    let fresh: (Output.Image) -> Data?
    private var verdicts: [String: Verdict] = [:]

    public init(saved: @escaping (Output.Image) -> Data?, fresh: @escaping (Output.Image) -> Data?) {
        self.saved = saved
        self.fresh = fresh
    }

    /// Compares by bytes only (no files at hand): equal hashes are the same image.
    public static var byHash: ImageComparer { ImageComparer(saved: { _ in nil }, fresh: { _ in nil }) }

    public func verdict(saved a: Output.Image, fresh b: Output.Image) -> Verdict {
        let key = a.path + "\n" + b.path
        if let known = verdicts[key] { return known }
        let v = compare(a, b)
        verdicts[key] = v
        return v
    }

    private func compare(_ a: Output.Image, _ b: Output.Image) -> Verdict {
        if a.width != b.width || a.height != b.height {
            return .incomparable("the size changed from \(a.width)x\(a.height) to \(b.width)x\(b.height)")
        }
        let new = fresh(b)
        // With no files at hand the names, hashes of the bytes, are all there is to compare.
        if new == nil && a.hash == b.hash { return .same }
        guard let old = saved(a) else { return .incomparable("the saved image \(a.path) is missing") }
        guard let new else { return .incomparable("the new image is not at hand") }
        if old == new { return .same }
        guard let x = try? DecodedImage(png: old) else { return .incomparable("the saved image \(a.path) is not a readable PNG") }
        guard let y = try? DecodedImage(png: new) else { return .incomparable("the new image is not a readable PNG") }
        guard let d = x.difference(to: y) else {
            return .incomparable("the saved image \(a.path) is \(x.width)x\(x.height), not \(a.width)x\(a.height)")
        }
        return .moved(d)
    }
}
