// A PNG's pixels, decoded by cairo, for tests that look at what a chart drew.

import CCairo
import Foundation
import Testing

struct PNGPixels {
    let width: Int, height: Int
    /// 0xRRGGBB, row by row (opaque images).
    let rgb: [UInt32]

    static func read(_ png: Data) throws -> PNGPixels {
        let path = NSTemporaryDirectory() + "/pixels-\(UUID().uuidString).png"
        try png.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let surface = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(surface) }
        try #require(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = try #require(cairo_image_surface_get_data(surface))
        var rgb: [UInt32] = []
        rgb.reserveCapacity(w * h)
        for y in 0..<h {
            for x in 0..<w {
                let p = data.advanced(by: y * stride + 4 * x).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
                rgb.append(p & 0xFFFFFF)
            }
        }
        return PNGPixels(width: w, height: h, rgb: rgb)
    }

    subscript(x: Int, y: Int) -> UInt32 { rgb[y * width + x] }

    /// The rows in column x whose pixel passes `test`.
    func rows(atColumn x: Int, where test: (UInt32) -> Bool) -> [Int] {
        (0..<height).filter { test(self[x, $0]) }
    }

    /// The columns in row y whose pixel passes `test`.
    func columns(atRow y: Int, where test: (UInt32) -> Bool) -> [Int] {
        (0..<width).filter { test(self[$0, y]) }
    }
}
