/// One fixed-size block of plain values (pixels, a flow field, a mask) that temporal smoothing
/// hands to OpenCV as a raw pointer.
///
/// Arrays would do, but their pointers are only valid inside `withUnsafe…` closures, and the
/// smoother passes several of them to one C call; a class that owns its memory keeps the
/// pointer stable for its whole life, which is what lets the per-frame path allocate nothing.
final class PixelBuffer<Element: BitwiseCopyable> {
    let count: Int
    let pointer: UnsafeMutablePointer<Element>

    init(count: Int, repeating value: Element) {
        precondition(count > 0, "a pixel buffer needs a positive size")
        self.count = count
        // 64-byte alignment: OpenCV's SIMD loads are fastest on aligned rows.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
