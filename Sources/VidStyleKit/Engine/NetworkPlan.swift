/// A model's layers turned into the steps the engine will run: which layers fuse into one step,
/// and which kernel family and precision each convolution gets. Pure Swift, decided before any
/// oneDNN primitive exists, so the fusions can be tested on their own (NetworkPlanTests) and
/// lowering (`StyleNetwork`'s build, one file per family under `Engine/Lowering/`) only carries
/// out what the plan says.
///
/// The rewrites, in the order the planner applies them:
/// - a sigmoid commutes with upsampling and pixel shuffles, so it moves next to the convolution
///   before them and becomes that convolution's post-op;
/// - a final pixel shuffle is left to the frame output kernel (`finalShuffle`);
/// - an upsampling followed by a zero-padded convolution and a fused norm becomes four phase
///   convolutions at the small size (`PhaseSplitConvolution`), the norm putting the phases in
///   place;
/// - a norm on the usual tensors is our fused step: it takes in a residual add right after it
///   and, when the next convolution runs in int8, writes that convolution's quantized input;
/// - each convolution gets its family from `KernelSelection` and runs in int8 when the network
///   is int8, the model calibrated it and oneDNN runs it.
struct NetworkPlan: Equatable {
    /// One convolution as planned.
    struct Convolution: Equatable {
        let layer: Layer.Convolution
        let family: KernelSelection.Family
        /// Runs in oneDNN's int8 kernels (else fp32).
        let int8: Bool
        /// A sigmoid right after it runs as its post-op.
        let fusesSigmoid: Bool
        /// Writes bf16 for the fused norm after it (an int8 convolution, where the CPU has the kernel).
        let bf16Output: Bool
    }

    /// One norm as planned.
    struct Norm: Equatable {
        let layer: Layer.Normalization
        /// Our fused step (CKernels) rather than oneDNN's batch normalization.
        let fused: Bool
        /// The residual add right after it happens inside it.
        let addsResidual: Bool
        /// The int8 convolution (by name) that reads its result next and whose quantized input
        /// it writes, if any.
        let quantizesFor: String?
        /// Whether its fp32 result is needed (something other than that convolution reads it:
        /// a residual add later, or any fp32 step).
        let writesFP32: Bool
        /// 1, or the factor of the phase split before it whose phases it puts in place.
        let depthToSpace: Int
    }

    enum Step: Equatable {
        case convolution(Convolution)
        /// An upsampling by `factor` and the convolution after it, as phase convolutions.
        case phaseSplit(Convolution, factor: Int)
        case norm(Norm)
        case save
        /// A residual add no norm took in.
        case add
        case upsample(factor: Int)
        case pixelShuffle(factor: Int)
        /// A sigmoid no convolution took in.
        case sigmoid
    }

    let steps: [Step]
    /// The factor of a pixel shuffle that ends the network and is done on the way out.
    let finalShuffle: Int?

    /// - Parameters:
    ///   - layers: the model's layers.
    ///   - width, height: the network's input size (decides which shapes our kernels take).
    ///   - precision: int8 runs every calibrated convolution (`calibrated`) that oneDNN runs in int8.
    ///   - kernels: the family per convolution.
    ///   - fuseNorms: false keeps oneDNN's batch normalization and every layer as it is (tests
    ///     compare the two).
    ///   - bf16ConvolutionOutputs: whether int8 convolutions that feed a fused norm write bf16.
    init(layers: [Layer], width: Int, height: Int, precision: Precision, calibrated: Set<String>,
         kernels: KernelSelection, fuseNorms: Bool, bf16ConvolutionOutputs: Bool) {
        var ops = Self.sigmoidsMovedToConvolutions(layers)
        var finalShuffle: Int?
        if case .pixelShuffle(let factor)? = ops.last {
            finalShuffle = factor
            ops.removeLast()
        }
        self.finalShuffle = finalShuffle

        /// The size each op reads, walked alongside the ops.
        var sizes: [(height: Int, width: Int)] = []
        var size = (height: height, width: width)
        for op in ops {
            sizes.append(size)
            switch op {
            case .conv(let conv):
                let pad = conv.kernel / 2
                size = ((size.height + 2 * pad - conv.kernel) / conv.stride + 1, (size.width + 2 * pad - conv.kernel) / conv.stride + 1)
            case .upsample(let factor), .pixelShuffle(let factor):
                size = (size.height * factor, size.width * factor)
            case .norm, .save, .add, .sigmoid:
                break
            }
        }

        func convolution(at index: Int, phase: Bool = false) -> Convolution? {
            guard index < ops.count, case .conv(let conv) = ops[index] else { return nil }
            let sigmoid = index + 1 < ops.count && ops[index + 1] == .sigmoid
            let family = phase ? .oneDNN : kernels.family(for: conv, height: sizes[index].height, width: sizes[index].width,
                                                          phase: false, fusesSigmoid: sigmoid)
            let int8 = precision == .int8 && calibrated.contains(conv.name) && family == .oneDNN
            var norm = false
            if index + 1 < ops.count, case .norm = ops[index + 1] { norm = true }
            return Convolution(layer: conv, family: family, int8: int8, fusesSigmoid: sigmoid && !phase,
                               bf16Output: int8 && norm && fuseNorms && bf16ConvolutionOutputs)
        }
        /// The upsampling at `index` and the convolution after it as a phase split, when it
        /// applies: the convolution is followed by a norm that runs fused (not by a residual add).
        func phaseSplit(at index: Int) -> (Convolution, factor: Int)? {
            guard fuseNorms, index + 2 < ops.count, case .upsample(let factor) = ops[index],
                  case .conv(let conv) = ops[index + 1], case .norm = ops[index + 2],
                  index + 3 >= ops.count || ops[index + 3] != .add,
                  PhaseSplitConvolution.applies(factor: factor, to: conv),
                  let planned = convolution(at: index + 1, phase: true) else { return nil }
            return (planned, factor)
        }

        var steps: [Step] = []
        var depthToSpace = 1
        var i = 0
        while i < ops.count {
            switch ops[i] {
            case .conv:
                let planned = convolution(at: i)!
                steps.append(.convolution(planned))
                if planned.fusesSigmoid { i += 1 }
            case .norm(let norm):
                guard fuseNorms else {
                    steps.append(.norm(Norm(layer: norm, fused: false, addsResidual: false, quantizesFor: nil,
                                            writesFP32: true, depthToSpace: 1)))
                    break
                }
                let addsResidual = i + 1 < ops.count && ops[i + 1] == .add
                var next = i + (addsResidual ? 2 : 1)
                let saves = next < ops.count && ops[next] == .save
                if saves { next += 1 }
                var consumer: String?
                if let conv = convolution(at: next), conv.int8 {
                    consumer = conv.layer.name
                } else if let (split, _) = phaseSplit(at: next), split.int8 {
                    consumer = split.layer.name
                }
                steps.append(.norm(Norm(layer: norm, fused: true, addsResidual: addsResidual, quantizesFor: consumer,
                                        writesFP32: saves || consumer == nil, depthToSpace: depthToSpace)))
                depthToSpace = 1
                if addsResidual { i += 1 }
            case .save:
                steps.append(.save)
            case .add:
                steps.append(.add)
            case .upsample(let factor):
                if let (split, factor) = phaseSplit(at: i) {
                    steps.append(.phaseSplit(split, factor: factor))
                    depthToSpace = factor
                    i += 1
                } else {
                    steps.append(.upsample(factor: factor))
                }
            case .pixelShuffle(let factor):
                steps.append(.pixelShuffle(factor: factor))
            case .sigmoid:
                steps.append(.sigmoid)
            }
            i += 1
        }
        self.steps = steps
    }

    /// `layers` with every sigmoid that follows an upsampling or a pixel shuffle moved before
    /// it (elementwise, it commutes with both), so it lands right after a convolution.
    static func sigmoidsMovedToConvolutions(_ layers: [Layer]) -> [Layer] {
        var ops = layers
        var moved = true
        while moved {
            moved = false
            for i in ops.indices.dropFirst() where ops[i] == .sigmoid {
                switch ops[i - 1] {
                case .upsample, .pixelShuffle:
                    ops.swapAt(i - 1, i)
                    moved = true
                default: break
                }
            }
        }
        return ops
    }

    /// Every planned convolution, the phase splits' included, in order.
    var convolutions: [Convolution] {
        steps.compactMap { step in
            switch step {
            case .convolution(let conv), .phaseSplit(let conv, _): return conv
            default: return nil
            }
        }
    }
}
