/// A nearest-neighbour ×2 upsampling followed by a zero-padded stride-1 convolution, rewritten
/// as four smaller convolutions at the small size, one per output phase (the pixel offset
/// (i, j) inside each 2x2 block of the upsampled image).
///
/// Why: in the shipped network the 3x3 convolution after the upsampling was the costliest step
/// (6.1 ms of ~30 at 640x360 in int8), and the upsampling and the quantizing of its 4x larger
/// input cost another 1.5 ms. Every upsampled pixel of one phase sees the same small
/// neighbourhood of the small image: of a 3x3 kernel's rows, two land on the same small row. So
/// each phase is a 2x2 convolution of the small image with the taps that land together summed,
/// 4/9 of the arithmetic, and nothing is upsampled at all. The fused norm after it puts the
/// phases in place at full size (`vs_norm_job.depth_to_space`).
///
/// Exact in real arithmetic: upsampled row `2y + i + d` (tap offset `d`) is small row
/// `y + ⌊(i + d) / 2⌋`, and the upsampled image's zero border maps onto the small image's
/// (a phase's padding is asymmetric: phase 0 reaches one row up, phase 1 one row down).
struct PhaseSplitConvolution {
    /// One phase's convolution of the small image.
    struct Phase {
        /// The original's name (its calibration applies: it reads the same values), kernel
        /// `k/2 + 1`, the original's channels.
        let layer: Layer.Convolution
        /// Zeros added before the first and after the last row and column.
        let padding: ConvolutionPadding
        /// [out, in, k', k'] (OIHW).
        let weights: [Float]
        let bias: [Float]?
    }

    /// The upsampling factor this rewrite handles.
    static let factor = 2
    /// Phase `i·2 + j` makes output pixel offset (i, j).
    let phases: [Phase]
    let outChannels: Int

    /// Whether `conv` after an upsampling by `factor` can be rewritten: factor 2, an odd
    /// kernel, stride 1, zero padding (a mirrored border of the upsampled image is no mirror of
    /// the small one).
    static func applies(factor: Int, to conv: Layer.Convolution) -> Bool {
        factor == Self.factor && conv.kernel % 2 == 1 && conv.stride == 1 && conv.padding == .zeros
    }

    /// - Parameters: `weights` [out, in, k, k] and `bias` [out] of the convolution as the file has them.
    init(convolution conv: Layer.Convolution, weights original: [Float], bias: [Float]?) {
        precondition(Self.applies(factor: Self.factor, to: conv), "not a convolution the phase split rewrites")
        let k = conv.kernel, pad = k / 2
        let outs = conv.outChannels, ins = conv.inChannels
        /// The small-image offsets phase `phase` reads: ⌊(phase + d) / 2⌋ for d in -pad...pad.
        func offset(_ phase: Int, _ d: Int) -> Int { Int((Double(phase + d) / 2).rounded(.down)) }
        func lowest(_ phase: Int) -> Int { offset(phase, -pad) }
        let small = offset(0, pad) - lowest(0) + 1  // the same for both phases: pad + 1
        var phases: [Phase] = []
        for i in 0..<2 {
            for j in 0..<2 {
                var weights = [Float](repeating: 0, count: outs * ins * small * small)
                for o in 0..<outs {
                    for c in 0..<ins {
                        for ky in 0..<k {
                            let ty = offset(i, ky - pad) - lowest(i)
                            for kx in 0..<k {
                                let tx = offset(j, kx - pad) - lowest(j)
                                weights[((o * ins + c) * small + ty) * small + tx] += original[((o * ins + c) * k + ky) * k + kx]
                            }
                        }
                    }
                }
                let padding = ConvolutionPadding(top: -lowest(i), left: -lowest(j),
                                                 bottom: offset(i, pad), right: offset(j, pad))
                phases.append(Phase(layer: Layer.Convolution(name: conv.name, inChannels: ins, outChannels: outs, kernel: small,
                                                             stride: 1, hasBias: conv.hasBias, padding: .zeros),
                                    padding: padding, weights: weights, bias: bias))
            }
        }
        self.phases = phases
        outChannels = outs
    }
}
