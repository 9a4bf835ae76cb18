import Foundation
import Testing
@testable import VidStyleKit

@Suite("StyleNetwork")
struct StyleNetworkTests {
    /// The PyTorch reference (tools/make_fixtures.py) for the tiny model at 28x20 with style
    /// weights [0.2, 0, 0.8] must be reproduced to a relative L2 error of 1e-4.
    @Test(arguments: [true, false])
    func matchesPyTorchReference(useWinograd: Bool) throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let golden = try SafetensorsFile(contentsOf: Fixtures.golden)
        let input = try #require(try golden.floats(named: "input"))
        let weights = try #require(try golden.floats(named: "style_weights"))
        let expected = try #require(try golden.floats(named: "output"))
        #expect(golden.entries["input"]?.shape == [1, 3, 20, 28])
        #expect(weights == [0.2, 0, 0.8])

        let network = try StyleNetwork(model: model, width: 28, height: 20, useWinograd: useWinograd)
        try network.setStyleWeights(weights)
        input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
        try network.run()
        let actual = Array(UnsafeBufferPointer(start: network.output, count: expected.count))
        let error = relativeL2(actual, expected)
        print("golden relative L2 error (Winograd allowed: \(useWinograd)): \(error)")
        #expect(error <= 1e-4)

        // Running again on the same input gives the same output (no state leaks between frames).
        try network.run()
        let again = Array(UnsafeBufferPointer(start: network.output, count: expected.count))
        #expect(relativeL2(again, actual) < 1e-6)
    }

    /// A one-hot style must give a different picture from the blend, and blending must be linear
    /// in the norm parameters (changing weights back restores the reference).
    @Test func styleWeightsChangeTheOutput() throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let golden = try SafetensorsFile(contentsOf: Fixtures.golden)
        let input = try #require(try golden.floats(named: "input"))
        let expected = try #require(try golden.floats(named: "output"))
        let network = try StyleNetwork(model: model, width: 28, height: 20)
        input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }

        try network.setStyleWeights([0, 1, 0])
        try network.run()
        let oneHot = Array(UnsafeBufferPointer(start: network.output, count: expected.count))
        let difference = relativeL2(oneHot, expected)
        print("one-hot style 1 vs blend relative difference: \(difference)")
        #expect(difference > 0.01)
        #expect(oneHot.allSatisfy { $0 >= 0 && $0 <= 1 })

        try network.setStyleWeights([0.2, 0, 0.8])
        try network.run()
        let blended = Array(UnsafeBufferPointer(start: network.output, count: expected.count))
        #expect(relativeL2(blended, expected) <= 1e-4)
    }

    @Test func refusesSizesThatAreNotMultiplesOfTheInputMultiple() throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        #expect(model.inputMultiple == 4)
        for (width, height) in [(30, 20), (28, 22), (0, 20), (28, -4)] {
            do {
                _ = try StyleNetwork(model: model, width: width, height: height)
                Issue.record("\(width)x\(height) was accepted")
            } catch let error as NetworkError {
                #expect(error == .sizeNotMultiple(width: width, height: height, multiple: 4))
                #expect(!error.description.contains("\n"))
            }
        }
        _ = try StyleNetwork(model: model, width: 32, height: 4)
    }

    @Test func refusesTheWrongNumberOfStyleWeights() throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let network = try StyleNetwork(model: model, width: 8, height: 8)
        #expect(throws: NetworkError.styleWeightCount(expected: 3, got: 2)) { try network.setStyleWeights([0.5, 0.5]) }
        #expect(throws: NetworkError.styleWeightNotFinite(index: 1)) { try network.setStyleWeights([0.5, .nan, 0.5]) }
    }

    /// The shipped architecture with activations in the liveness-planned arena gives the same
    /// frames as with every activation in its own bytes, in fewer bytes, frame after frame.
    @Test(arguments: [true, false])
    func sharedActivationsMatchSeparateOnes(useWinograd: Bool) throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let golden = try SafetensorsFile(contentsOf: Fixtures.golden)
        let input = try #require(try golden.floats(named: "input"))
        var outputs: [[Float]] = [], bytes: [Int] = []
        for share in [true, false] {
            let network = try StyleNetwork(model: model, width: 28, height: 20, useWinograd: useWinograd, shareActivations: share)
            try network.setStyleWeights([0.2, 0, 0.8])
            input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
            try network.run()
            try network.run()
            outputs.append(Array(UnsafeBufferPointer(start: network.output, count: input.count)))
            bytes.append(network.activationBytes)
        }
        print("tiny model activation arena: \(bytes[0]) B shared, \(bytes[1]) B separate")
        #expect(relativeL2(outputs[0], outputs[1]) <= 1e-6)
        #expect(bytes[0] < bytes[1])
    }

    @Test func pixelShuffleFollowsPyTorchOrder() {
        // NHWC 1x2 pixels of 2*2*2 channels -> planar 2 channels of 2x4: channel c*4 + i*2 + j of
        // small pixel (y, x) lands at (2y + i, 2x + j) of plane c. Each value names its place.
        let (channels, f, height, width) = (2, 2, 2, 4)
        var source = [Float](repeating: 0, count: channels * height * width)
        for x in 0..<(width / f) { for c in 0..<channels { for i in 0..<f { for j in 0..<f {
            source[x * channels * f * f + (c * f + i) * f + j] = Float(100 * c + 10 * i + x * f + j)
        } } } }
        var out = [Float](repeating: -1, count: source.count)
        source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                StyleNetwork.pixelShuffle(src.baseAddress!, into: dst.baseAddress!, channels: channels, height: height,
                                          width: width, factor: f)
            }
        }
        var expected: [Float] = []
        for c in 0..<channels { for y in 0..<height { for x in 0..<width { expected.append(Float(100 * c + 10 * y + x)) } } }
        #expect(out == expected)
    }

    private func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        var diff = 0.0, norm = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            diff += d * d
            norm += Double(b[i]) * Double(b[i])
        }
        return (diff / max(norm, 1e-30)).squareRoot()
    }
}
