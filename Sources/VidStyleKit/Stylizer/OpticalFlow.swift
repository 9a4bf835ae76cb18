import COpticalFlow

/// Dense optical flow between two grayscale pictures of one size, by OpenCV's DIS optical flow
/// (Kroeger et al. 2016): the established fast dense estimator, about a millisecond per flow at
/// 320x180 on one core here (DESIGN.md), so the smoother can afford a forward and a backward
/// flow for every frame.
///
/// Holds one OpenCV estimator, which keeps its image pyramids between calls: after the first
/// frame of a size, `compute` allocates nothing. Not thread-safe; one smoother owns it.
final class OpticalFlow {
    let width: Int
    let height: Int
    private let estimator: OpaquePointer

    /// - Parameter preset: DIS's speed/quality preset (`ultrafast`: patch search only; `fast` adds
    ///   variational refinement).
    init(width: Int, height: Int, preset: vs_flow_preset) throws(OpticalFlowError) {
        guard let estimator = vs_flow_create(Int32(width), Int32(height), preset) else {
            throw OpticalFlowError("cannot create DIS optical flow for \(width)x\(height): \(String(cString: vs_flow_last_error()))")
        }
        self.width = width
        self.height = height
        self.estimator = estimator
    }

    deinit {
        vs_flow_destroy(estimator)
    }

    /// The flow F from `from` to `to` (tight rows of `width` bytes): from(p) ≈ to(p + F(p)).
    /// `flow` receives (dx, dy) per pixel, `2 * width * height` floats.
    func compute(from: UnsafePointer<UInt8>, to: UnsafePointer<UInt8>,
                 into flow: UnsafeMutablePointer<Float>) throws(OpticalFlowError) {
        try ImageRemap.check(vs_flow_compute(estimator, from, width, to, width, flow, 2 * width * 4), "optical flow")
    }
}
