// The stylize stage's cost of temporal smoothing, as `make bench` reports it
// (tools/bench_temporal.sh): the shipped model on a 640x360 picture that pans by 3 px a frame,
// painted by FrameStylizer with --smoothing 0 and with the default, and the smoother alone.
//
//   TemporalBench [--width 640] [--height 360] [--frames 40] [--model FILE]
import Dispatch
import Foundation
import VidStyleKit

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("temporal-bench: \(message)\n".utf8))
    exit(1)
}

var width = 640, height = 360, frames = 40
var modelPath: String?
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--width": width = Int(value) ?? 0
    case "--height": height = Int(value) ?? 0
    case "--frames": frames = Int(value) ?? 0
    case "--model": modelPath = value
    default: fail("unknown option \(flag); use --width, --height, --frames, --model")
    }
}
guard width >= 64, height >= 64, frames >= 8 else { fail("--width and --height must be at least 64 and --frames at least 8") }

/// A picture with detail at every scale (a sum of waves), shifted by `3 * t` px.
func panFrame(_ t: Int, width: Int, height: Int) -> VideoFrame {
    let frame = VideoFrame(width: width, height: height)
    for y in 0..<height {
        let row = frame.row(y)
        for x in 0..<width {
            let u = Double(x + 3 * t), v = Double(y)
            let a = sin(u * 0.021) * cos(v * 0.017) + 0.5 * sin(u * 0.13 + v * 0.07) + 0.25 * sin((u - v) * 0.41)
            for c in 0..<3 {
                row[3 * x + c] = UInt8(max(0, min(255, 128 + 70 * a + 20 * sin(u * 0.05 + Double(c)))))
            }
        }
    }
    return frame
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

do {
    let model = try StyleModel.load(contentsOf: ModelLocator.locate(explicit: modelPath, environment: ProcessInfo.processInfo.environment))
    let inputs = (0..<frames).map { panFrame($0, width: width, height: height) }
    let work = VideoFrame(width: width, height: height)
    func copyInput(_ t: Int) { work.pixels.update(from: inputs[t].pixels, count: work.stride * height) }

    // Off, on and the smoother alone take turns on every frame, so a busy moment of the
    // machine (2 cores, shared) falls on all three alike.
    let defaultAmount = StyleSettings().smoothing
    let plain = try FrameStylizer(model: model, width: width, height: height, settings: StyleSettings(smoothing: 0))
    let smoothed = try FrameStylizer(model: model, width: width, height: height,
                                     settings: StyleSettings(smoothing: defaultAmount))
    let smoother = try TemporalSmoother(width: width, height: height, amount: defaultAmount)
    var offTimes: [Double] = [], onTimes: [Double] = [], smoothingTimes: [Double] = []
    for t in 0..<frames {
        copyInput(t)
        var start = DispatchTime.now().uptimeNanoseconds
        try plain.stylize(work)
        if t >= 3 { offTimes.append(milliseconds(since: start)) }
        copyInput(t)
        start = DispatchTime.now().uptimeNanoseconds
        try smoothed.stylize(work)
        if t >= 3 { onTimes.append(milliseconds(since: start)) }
        // The smoother alone, on the input standing in for the painted frame.
        copyInput(t)
        start = DispatchTime.now().uptimeNanoseconds
        try smoother.observe(work)
        try smoother.apply(to: work)
        if t >= 3 { smoothingTimes.append(milliseconds(since: start)) }
    }
    let off = median(offTimes), on = median(onTimes), smoothing = median(smoothingTimes)
    print(String(format: "temporal: %dx%d stylizer_off_ms=%.2f stylizer_on_ms=%.2f smoothing_ms=%.2f frames=%d",
                 width, height, off, on, smoothing, frames - 3))
} catch {
    fail("\(error)")
}
