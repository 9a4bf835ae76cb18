/// A float32 tensor from a model file: its shape and its values in row-major order.
///
/// Values are widened to float32 at load time so the engine never deals with file dtypes.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }
}
