/// Zeros a convolution adds on each side of its input, where they differ from `kernel / 2`.
struct ConvolutionPadding: Equatable {
    let top: Int
    let left: Int
    let bottom: Int
    let right: Int

    static let none = ConvolutionPadding(top: 0, left: 0, bottom: 0, right: 0)
    static func symmetric(_ pad: Int) -> ConvolutionPadding { ConvolutionPadding(top: pad, left: pad, bottom: pad, right: pad) }
}
