import COpticalFlow

/// Everything temporal smoothing keeps for one frame size: the flow estimator, the small
/// grayscale inputs, both flows, the masks, the warp maps and the previous output.
///
/// Made once per size (a size change makes a new one), so the per-frame path only reuses it.
final class SmoothingBuffers {
    let width: Int
    let height: Int
    /// Input pixels per flow pixel, per axis (a strip is reduced along its length only).
    let flowScale: (x: Int, y: Int)
    let flowWidth: Int
    let flowHeight: Int

    let flow: OpticalFlow
    /// Full-size luma of the current and the previous input.
    private(set) var currentLuma: PixelBuffer<UInt8>
    private(set) var previousLuma: PixelBuffer<UInt8>
    /// The small picture before its blur.
    let smallScratch: PixelBuffer<UInt8>
    /// The small grayscale inputs: `previousGray` is the last frame's, `currentGray` this one's.
    private(set) var previousGray: PixelBuffer<UInt8>
    private(set) var currentGray: PixelBuffer<UInt8>
    /// Flow from the current input to the previous one (where each pixel came from).
    let backward: PixelBuffer<Float>
    /// Flow from the previous input to the current one.
    let forward: PixelBuffer<Float>
    /// `forward` sampled where `backward` points: adds up to ~0 where both agree.
    let forwardAtSource: PixelBuffer<Float>
    /// Sampling map at flow resolution (p + backward(p)).
    let flowMap: PixelBuffer<Float>
    /// The previous small input warped into the current frame, for the photometric check.
    let warpedGray: PixelBuffer<UInt8>
    /// Reliability 0...255 per flow pixel, then eroded (`eroded`, via `erodeScratch`).
    let mask: PixelBuffer<UInt8>
    let erodeScratch: PixelBuffer<UInt8>
    let eroded: PixelBuffer<UInt8>
    /// The eroded mask at frame size.
    let fullMask: PixelBuffer<UInt8>
    /// The input's change along the flow at frame size, before (`changeScratch`) and after its
    /// box average (`change`).
    let changeScratch: PixelBuffer<UInt8>
    let change: PixelBuffer<UInt8>
    /// The last output (tight RGB rows) and it warped into the current frame.
    /// Full-size sampling positions (x, y per pixel) and the warped previous luma, for the warp.
    let fullMap: PixelBuffer<Float>
    let warpedLuma: PixelBuffer<UInt8>
    let previousOutput: PixelBuffer<UInt8>
    let warpedOutput: PixelBuffer<UInt8>

    init(width: Int, height: Int, flowScale: (x: Int, y: Int), preset: vs_flow_preset) throws(OpticalFlowError) {
        self.width = width
        self.height = height
        self.flowScale = flowScale
        flowWidth = max(1, width / flowScale.x)
        flowHeight = max(1, height / flowScale.y)
        flow = try OpticalFlow(width: flowWidth, height: flowHeight, preset: preset)
        let small = flowWidth * flowHeight
        let full = width * height
        currentLuma = PixelBuffer(count: full, repeating: 0)
        previousLuma = PixelBuffer(count: full, repeating: 0)
        smallScratch = PixelBuffer(count: small, repeating: 0)
        changeScratch = PixelBuffer(count: full, repeating: 0)
        change = PixelBuffer(count: full, repeating: 0)
        previousGray = PixelBuffer(count: small, repeating: 0)
        currentGray = PixelBuffer(count: small, repeating: 0)
        backward = PixelBuffer(count: 2 * small, repeating: 0)
        forward = PixelBuffer(count: 2 * small, repeating: 0)
        forwardAtSource = PixelBuffer(count: 2 * small, repeating: 0)
        flowMap = PixelBuffer(count: 2 * small, repeating: 0)
        warpedGray = PixelBuffer(count: small, repeating: 0)
        mask = PixelBuffer(count: small, repeating: 0)
        erodeScratch = PixelBuffer(count: small, repeating: 0)
        eroded = PixelBuffer(count: small, repeating: 0)
        fullMask = PixelBuffer(count: full, repeating: 0)
        fullMap = PixelBuffer(count: 2 * full, repeating: 0)
        warpedLuma = PixelBuffer(count: full, repeating: 0)
        previousOutput = PixelBuffer(count: 3 * full, repeating: 0)
        warpedOutput = PixelBuffer(count: 3 * full, repeating: 0)
    }

    /// Makes this frame's inputs the previous ones for the next frame (no copy).
    func advanceGray() {
        swap(&previousGray, &currentGray)
        swap(&previousLuma, &currentLuma)
    }

    /// Base addresses of every buffer, for tests that check nothing is reallocated.
    var addresses: [UnsafeRawPointer] {
        [UnsafeRawPointer(change.pointer), UnsafeRawPointer(smallScratch.pointer), UnsafeRawPointer(backward.pointer), UnsafeRawPointer(forward.pointer),
         UnsafeRawPointer(forwardAtSource.pointer), UnsafeRawPointer(flowMap.pointer), UnsafeRawPointer(warpedGray.pointer),
         UnsafeRawPointer(mask.pointer), UnsafeRawPointer(eroded.pointer), UnsafeRawPointer(fullMask.pointer),
         UnsafeRawPointer(changeScratch.pointer), UnsafeRawPointer(previousOutput.pointer), UnsafeRawPointer(warpedOutput.pointer),
         UnsafeRawPointer(fullMap.pointer), UnsafeRawPointer(warpedLuma.pointer)]
    }
}
