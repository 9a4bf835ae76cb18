import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle bench`: the stylizer alone, as `make bench` measures it.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time the stylizer alone (network plus pixel conversion) on one frame size.")

    @OptionGroup var modelOption: ModelOption
    @OptionGroup var precisionOption: PrecisionOption

    @Option(help: "Frame width in pixels.") var width = 640
    @Option(help: "Frame height in pixels.") var height = 360
    @Option(help: "Timed runs after two warm-up runs.") var runs = 20
    @Option(help: "Style index.") var style = 0
    @Option(help: "Temporal smoothing, 0 (off: the network and pixel conversion alone, the work other engines are timed on) to 1. The whole job's default is 0.6; its cost is measured on its own by tools/bench_temporal.sh.")
    var smoothing: Float = 0
    @Flag(help: "Also time the network's steps one by one (each waits for the last) and print a line per step.")
    var steps = false
    @Option(help: "Convolution kernels: auto (what this CPU runs by default), onednn (oneDNN's alone) or winograd (ours wherever it can run), to compare them on one machine.")
    var kernels: ConvolutionKernelChoice = .auto

    func validate() throws {
        guard width > 0, height > 0, runs > 0 else { throw OptionError("--width, --height and --runs must be positive") }
        guard smoothing.isFinite, (0...1).contains(smoothing) else {
            throw OptionError("--smoothing \(smoothing) is out of range; give a value from 0 (off) to 1 (strongest)")
        }
    }

    func run() throws {
        let model = try modelOption.load()
        let stylizer = try FrameStylizer(model: model, width: width, height: height,
                                         settings: StyleSettings(style: .single(style), smoothing: smoothing,
                                                                 precision: precisionOption.precision ?? .auto),
                                         kernels: kernels)
        let frame = VideoFrame(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width * 3 { frame.row(y)[x] = UInt8(truncatingIfNeeded: x &* 7 &+ y &* 13) }
        }
        var times: [Double] = []
        for i in 0..<(runs + 2) {
            let start = DispatchTime.now().uptimeNanoseconds
            try stylizer.stylize(frame)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if i >= 2 { times.append(ms) }
        }
        times.sort()
        let median = times[times.count / 2]
        // network= is the size the network runs at (the frame plus the stylizer's margins), so
        // other engines can be timed on the same work (tools/bench.sh). isa= is the level oneDNN
        // and our kernels ran at (capped by ONEDNN_MAX_CPU_ISA), kernels= the families that ran
        // the convolutions.
        let families = Set(stylizer.stepImplementations.compactMap { step -> String? in
            // "conv NAME[ phase N][ int8]: KERNEL": the convolutions themselves, not their layout steps.
            guard let colon = step.range(of: ": ") else { return nil }
            let words = step[..<colon.lowerBound].split(separator: " ")
            guard words.first == "conv", words.count >= 2,
                  words.dropFirst(2).allSatisfy({ $0 == "phase" || $0 == "int8" || $0.allSatisfy(\.isNumber) }) else { return nil }
            return String(step[colon.upperBound...])
        }).sorted()
        print(String(format: "stylizer: %dx%d network=%dx%d median_ms=%.2f min_ms=%.2f fps=%.2f runs=%d smoothing=%.2f isa=%@ kernels=%@ precision=%@",
                     width, height, stylizer.paddedWidth, stylizer.paddedHeight, median, times[0], 1000 / median, runs,
                     smoothing, CPUFeatures.current.level.rawValue, families.joined(separator: ","),
                     stylizer.precision.rawValue))
        guard steps else { return }
        let timings = try stylizer.timeNetworkSteps(runs: runs)
        for timing in timings {
            print(String(format: "step: %7.3f ms  %@ (%@)", timing.milliseconds, timing.label, timing.implementation))
        }
        print(String(format: "steps: total_ms=%.2f count=%d", timings.reduce(0) { $0 + $1.milliseconds }, timings.count))
    }
}
