/// Why a `StyleNetwork` could not be built or configured for a request.
///
/// These are caller mistakes with a clear fix (pad the frame, pass one weight per style), so
/// each prints as one line saying what was asked, what is allowed and what to do.
public enum NetworkError: Error, CustomStringConvertible, Equatable {
    /// Width or height is not a positive multiple of the model's `inputMultiple`.
    case sizeNotMultiple(width: Int, height: Int, multiple: Int)
    /// `setStyleWeights` got a different number of weights than the model has styles.
    case styleWeightCount(expected: Int, got: Int)
    /// A style weight is NaN or infinite.
    case styleWeightNotFinite(index: Int)
    /// An int8 network was asked for a model without int8 calibration.
    case noQuantization(path: String)
    /// The frame is so small that a reflect-padded convolution's input is no wider or taller
    /// than its padding, which cannot be mirrored.
    case tooSmallToMirror(width: Int, height: Int, convolution: String)

    public var description: String {
        switch self {
        case let .sizeNotMultiple(width, height, multiple):
            return "cannot build the network for \(width)x\(height): width and height must be positive multiples of \(multiple); pad the frame (reflect) to \(Self.roundUp(width, multiple))x\(Self.roundUp(height, multiple)) and crop the result"
        case let .styleWeightCount(expected, got):
            return "got \(got) style weights but the model has \(expected) styles; pass one weight per style (a one-hot vector for a single style)"
        case let .styleWeightNotFinite(index):
            return "style weight \(index) is not a finite number; pass finite weights (normally non-negative, summing to 1)"
        case let .tooSmallToMirror(width, height, convolution):
            return "cannot build the network for \(width)x\(height): the input of conv \(convolution) becomes too small to mirror its padding; use a larger frame"
        case let .noQuantization(path):
            return "cannot build an int8 network from model file \(path): it has no int8 calibration (\"\(QuantizationTable.metadataKey)\" metadata); add it with tools/calibrate.py or build the network in fp32"
        }
    }

    private static func roundUp(_ value: Int, _ multiple: Int) -> Int {
        max(multiple, (value + multiple - 1) / multiple * multiple)
    }
}
