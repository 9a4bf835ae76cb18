import ArgumentParser
import VidStyleKit

extension PrecisionChoice: ExpressibleByArgument {}
extension ConvolutionKernelChoice: ExpressibleByArgument {}

/// `--precision`, shared by the main command and `bench`, so both pick the network's arithmetic
/// by the same rule. Optional, so that a preset's `stylize.precision` holds unless it is given.
struct PrecisionOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Network arithmetic: int8 (needs a model calibrated by tools/calibrate.py; faster), fp32 (the reference), or auto: int8 where the model is calibrated and the CPU has AVX2 or more (measured fastest at equal quality), else fp32.",
        valueName: "auto|int8|fp32"))
    var precision: PrecisionChoice?
}
