import Foundation
import Testing
@testable import VidStyleKit

/// Two networks built and run at the same time (an fp32 and an int8 one, as the test suites do
/// all the time) must each paint what the same network built alone paints. Without the lock
/// around building (`StyleNetwork.buildLock`), about one such pair in four gave the fp32 one a
/// wrong picture (up to 0.4 off in 0...1), and a later network of that size got it too through
/// oneDNN's primitive cache. Each round uses a new frame size, so its primitives are new.
@Suite struct ConcurrentBuildTests {
    final class Result: @unchecked Sendable { var values: [Float] = [] }

    @Test func networksBuiltTogetherPaintWhatOneBuiltAlonePaints() async throws {
        let model = try StyleModel.load(contentsOf: Fixtures.url("tiny-model-int8"))
        var generator = SplitMix(seed: 11)
        for (width, height) in [(28, 20), (32, 20), (36, 24), (40, 24), (44, 28), (48, 28), (52, 32), (56, 32)] {
            let input = (0..<(3 * width * height)).map { _ in 0.5 + 0.5 * generator.nextSigned() }
            @Sendable func paint(_ precision: Precision) throws -> [Float] {
                let network = try StyleNetwork(model: model, width: width, height: height, precision: precision)
                try network.setStyleWeights([0.2, 0, 0.8])
                input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
                try network.run()
                return Array(UnsafeBufferPointer(start: network.output, count: input.count))
            }
            let fp32 = Result(), int8 = Result()
            async let a: Void = Task { fp32.values = try paint(.fp32) }.value
            async let b: Void = Task { int8.values = try paint(.int8) }.value
            _ = try await (a, b)
            let alone = try paint(.fp32)
            let largest = zip(fp32.values, alone).map { abs($0 - $1) }.max() ?? 0
            #expect(largest < 1e-5, "\(width)x\(height): built beside an int8 network, fp32 is \(largest) off")
        }
    }
}
