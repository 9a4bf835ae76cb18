import Foundation
import Testing
@testable import VidStyleKit

/// The engine builds its graph from the architecture in the file, so paths the shipped
/// architecture does not use (a pixel shuffle mid-network, a sigmoid that cannot be fused, a norm
/// on a saved tensor, a residual add right after a norm, upsampling before a strided conv) are
/// checked here against a deliberately naive Swift reference implementation.
@Suite("Generic architectures")
struct GenericArchitectureTests {
    static var layers: [[String: Any]] { [
        ["op": "conv", "name": "a", "in": 3, "out": 8, "kernel": 3, "stride": 1, "bias": true],
        ["op": "save"],
        ["op": "norm", "name": "n1", "channels": 8, "relu": true],
        ["op": "add"],
        ["op": "pixel_shuffle", "factor": 2],
        ["op": "sigmoid"],
        ["op": "conv", "name": "b", "in": 2, "out": 12, "kernel": 3, "stride": 2, "bias": false],
        ["op": "norm", "name": "n2", "channels": 12, "relu": false],
        ["op": "upsample", "factor": 2],
        ["op": "conv", "name": "c", "in": 12, "out": 6, "kernel": 3, "stride": 2, "bias": false],
        ["op": "conv", "name": "d", "in": 6, "out": 3, "kernel": 1, "stride": 1, "bias": true],
        ["op": "sigmoid"],
    ] }

    static func tensors(_ generator: inout SplitMix) -> [String: (shape: [Int], values: [Float])] {
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        func random(_ name: String, _ shape: [Int], scale: Float, offset: Float = 0) {
            tensors[name] = (shape, (0..<shape.reduce(1, *)).map { _ in offset + scale * generator.nextSigned() })
        }
        random("a.weight", [8, 3, 3, 3], scale: 0.4); random("a.bias", [8], scale: 0.1)
        random("n1.scale", [2, 8], scale: 0.3, offset: 1); random("n1.shift", [2, 8], scale: 0.2)
        random("b.weight", [12, 2, 3, 3], scale: 0.4)
        random("n2.scale", [2, 12], scale: 0.3, offset: 1); random("n2.shift", [2, 12], scale: 0.2)
        random("c.weight", [6, 12, 3, 3], scale: 0.2)
        random("d.weight", [3, 6, 1, 1], scale: 0.5); random("d.bias", [3], scale: 0.1)
        return tensors
    }

    /// Nested residual blocks three deep, a block around the input frame itself, one tensor saved
    /// twice, a standalone sigmoid and an upsample inside blocks, and a final pixel shuffle with
    /// a fused sigmoid: the paths where a wrong liveness plan in the activation arena would let a
    /// step overwrite a tensor that a later `add` still reads.
    static var nestedLayers: [[String: Any]] { [
        ["op": "save"],
        ["op": "conv", "name": "x", "in": 3, "out": 3, "kernel": 3, "stride": 1, "bias": true],
        ["op": "norm", "name": "nx", "channels": 3, "relu": false],
        ["op": "add"],
        ["op": "conv", "name": "a", "in": 3, "out": 8, "kernel": 3, "stride": 2, "bias": true],
        ["op": "save"],
        ["op": "norm", "name": "n1", "channels": 8, "relu": true],
        ["op": "save"],
        ["op": "conv", "name": "b", "in": 8, "out": 8, "kernel": 3, "stride": 1, "bias": false],
        ["op": "norm", "name": "n2", "channels": 8, "relu": true],
        ["op": "save"],
        ["op": "save"],
        ["op": "sigmoid"],
        ["op": "add"],
        ["op": "add"],
        ["op": "conv", "name": "c", "in": 8, "out": 8, "kernel": 1, "stride": 1, "bias": true],
        ["op": "add"],
        ["op": "upsample", "factor": 2],
        ["op": "conv", "name": "d", "in": 8, "out": 8, "kernel": 3, "stride": 2, "bias": false],
        ["op": "add"],
        ["op": "conv", "name": "e", "in": 8, "out": 12, "kernel": 3, "stride": 1, "bias": true],
        ["op": "pixel_shuffle", "factor": 2],
        ["op": "sigmoid"],
    ] }

    static func nestedTensors(_ generator: inout SplitMix) -> [String: (shape: [Int], values: [Float])] {
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        func random(_ name: String, _ shape: [Int], scale: Float, offset: Float = 0) {
            tensors[name] = (shape, (0..<shape.reduce(1, *)).map { _ in offset + scale * generator.nextSigned() })
        }
        random("x.weight", [3, 3, 3, 3], scale: 0.4); random("x.bias", [3], scale: 0.1)
        random("nx.scale", [2, 3], scale: 0.3, offset: 1); random("nx.shift", [2, 3], scale: 0.2)
        random("a.weight", [8, 3, 3, 3], scale: 0.4); random("a.bias", [8], scale: 0.1)
        random("n1.scale", [2, 8], scale: 0.3, offset: 1); random("n1.shift", [2, 8], scale: 0.2)
        random("b.weight", [8, 8, 3, 3], scale: 0.3)
        random("n2.scale", [2, 8], scale: 0.3, offset: 1); random("n2.shift", [2, 8], scale: 0.2)
        random("c.weight", [8, 8, 1, 1], scale: 0.3); random("c.bias", [8], scale: 0.1)
        random("d.weight", [8, 8, 3, 3], scale: 0.2)
        random("e.weight", [12, 8, 3, 3], scale: 0.2); random("e.bias", [12], scale: 0.1)
        return tensors
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let nested: Bool
        let useWinograd: Bool
        var mirrored = false
        var testDescription: String {
            "\(nested ? "nested residuals" : "mid-network shuffle"), Winograd \(useWinograd)\(mirrored ? ", reflect padding" : "")"
        }
    }
    static let cases = [false, true].flatMap { nested in [true, false].map { Case(nested: nested, useWinograd: $0) } }
        + [false, true].map { Case(nested: $0, useWinograd: true, mirrored: true) }

    /// `layers` with every convolution mirroring its input (format 2) and the first one 5x5, so
    /// that a two-pixel mirror is built too.
    static func mirroring(_ layers: [[String: Any]], tensors: inout [String: (shape: [Int], values: [Float])],
                          _ generator: inout SplitMix) -> [[String: Any]] {
        var first = true
        return layers.map { layer in
            guard layer["op"] as? String == "conv" else { return layer }
            var layer = layer
            layer["padding"] = "reflect"
            if first, let name = layer["name"] as? String, let shape = tensors[name + ".weight"]?.shape {
                first = false
                layer["kernel"] = 5
                let grown = [shape[0], shape[1], 5, 5]
                tensors[name + ".weight"] = (grown, (0..<grown.reduce(1, *)).map { _ in 0.15 * generator.nextSigned() })
            }
            return layer
        }
    }

    /// Both architectures against the naive reference, with activations sharing the liveness-
    /// planned arena and with every activation in its own bytes; the two builds must agree, and
    /// sharing must actually save bytes.
    @Test(arguments: cases)
    func matchesNaiveReference(_ testCase: Case) throws {
        var generator = SplitMix(seed: 42)
        var layers = testCase.nested ? Self.nestedLayers : Self.layers
        var tensors = testCase.nested ? Self.nestedTensors(&generator) : Self.tensors(&generator)
        if testCase.mirrored { layers = Self.mirroring(layers, tensors: &tensors, &generator) }
        let url = try Fixtures.temporaryFile(Self.modelFile(tensors, layers: layers, formatVersion: testCase.mirrored ? 2 : 1))
        let model = try StyleModel.load(contentsOf: url)
        #expect(model.edgeMargin == (testCase.mirrored ? 16 : 24))
        let (width, height) = (12, 8)
        let input = (0..<(3 * width * height)).map { _ in 0.5 + 0.5 * generator.nextSigned() }
        let weights: [Float] = [0.3, 0.7]

        func output(shareActivations: Bool) throws -> (values: [Float], arenaBytes: Int) {
            let network = try StyleNetwork(model: model, width: width, height: height, useWinograd: testCase.useWinograd,
                                           shareActivations: shareActivations)
            try network.setStyleWeights(weights)
            input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
            try network.run()
            // A second frame: stale values left in reused bytes by the first must not matter.
            try network.run()
            return (Array(UnsafeBufferPointer(start: network.output, count: input.count)), network.activationBytes)
        }
        let shared = try output(shareActivations: true)
        let separate = try output(shareActivations: false)

        let expected = Reference.forward(layers: model.layers, tensors: model.tensors, input: input,
                                         width: width, height: height, styleWeights: weights)
        let error = relativeError(shared.values, expected)
        print("generic architecture (\(testCase.testDescription)) relative L2 error: \(error); arena \(shared.arenaBytes) B shared, \(separate.arenaBytes) B separate")
        #expect(error <= 1e-4)
        #expect(relativeError(separate.values, expected) <= 1e-4)
        #expect(relativeError(shared.values, separate.values) <= 1e-6)
        #expect(shared.arenaBytes < separate.arenaBytes)
    }

    func relativeError(_ actual: [Float], _ expected: [Float]) -> Double {
        var diff = 0.0, norm = 0.0
        for i in expected.indices {
            diff += Double(actual[i] - expected[i]) * Double(actual[i] - expected[i])
            norm += Double(expected[i]) * Double(expected[i])
        }
        return (diff / norm).squareRoot()
    }

    static func modelFile(_ tensors: [String: (shape: [Int], values: [Float])], layers: [[String: Any]] = layers,
                          formatVersion: Int = 1) -> Data {
        var header: [String: Any] = [:]
        var data = Data()
        for name in tensors.keys.sorted() {
            let (shape, values) = tensors[name]!
            let bytes = Fixtures.floatBytes(values)
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [data.count, data.count + bytes.count]]
            data.append(bytes)
        }
        let architecture: [String: Any] = ["name": "generic-test", "format_version": formatVersion, "input_multiple": 4, "layers": layers]
        let styles = (0..<2).map { ["index": $0, "name": "s\($0)", "painter": "p", "painting": "q", "image": "i.jpg"] as [String: Any] }
        func json(_ object: Any) -> String { String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self) }
        header["__metadata__"] = ["vidstyle.architecture": json(architecture), "vidstyle.styles": json(styles),
                                  "vidstyle.training": "{}"]
        return Fixtures.assemble(header: header, data: data)
    }
}

/// A direct, loop-by-loop transcription of architecture.py's forward pass (planar, N = 1).
enum Reference {
    struct Image { var c: Int; var h: Int; var w: Int; var v: [Float] }

    static func forward(layers: [Layer], tensors: [String: Tensor], input: [Float], width: Int, height: Int,
                        styleWeights: [Float]) -> [Float] {
        var x = Image(c: 3, h: height, w: width, v: input)
        var saved: [Image] = []
        for layer in layers {
            switch layer {
            case .conv(let conv):
                let weight = tensors[conv.weightName]!.values
                let bias = conv.hasBias ? tensors[conv.biasName]!.values : nil
                let k = conv.kernel, s = conv.stride, p = k / 2
                let oh = (x.h + 2 * p - k) / s + 1, ow = (x.w + 2 * p - k) / s + 1
                /// PyTorch's reflect padding: -1 reads 1, n reads n - 2.
                func reflected(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i }
                var out = [Float](repeating: 0, count: conv.outChannels * oh * ow)
                for o in 0..<conv.outChannels { for y in 0..<oh { for xx in 0..<ow {
                    var sum: Double = Double(bias?[o] ?? 0)
                    for i in 0..<conv.inChannels { for ky in 0..<k { for kx in 0..<k {
                        var iy = y * s + ky - p, ix = xx * s + kx - p
                        if conv.padding == .reflect { iy = reflected(iy, x.h); ix = reflected(ix, x.w) }
                        guard iy >= 0, iy < x.h, ix >= 0, ix < x.w else { continue }
                        sum += Double(weight[((o * conv.inChannels + i) * k + ky) * k + kx]) * Double(x.v[(i * x.h + iy) * x.w + ix])
                    } } }
                    out[(o * oh + y) * ow + xx] = Float(sum)
                } } }
                x = Image(c: conv.outChannels, h: oh, w: ow, v: out)
            case .norm(let norm):
                let scales = tensors[norm.scaleName]!.values, shifts = tensors[norm.shiftName]!.values
                let plane = x.h * x.w
                for c in 0..<x.c {
                    var scale: Float = 0, shift: Float = 0
                    for (s, weight) in styleWeights.enumerated() {
                        scale += weight * scales[s * x.c + c]
                        shift += weight * shifts[s * x.c + c]
                    }
                    let values = x.v[(c * plane)..<((c + 1) * plane)].map(Double.init)
                    let mean = values.reduce(0, +) / Double(plane)
                    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(plane)
                    for i in 0..<plane {
                        var y = Float((values[i] - mean) / (variance + Double(Layer.normEpsilon)).squareRoot()) * scale + shift
                        if norm.relu { y = max(0, y) }
                        x.v[c * plane + i] = y
                    }
                }
            case .save:
                saved.append(x)
            case .add:
                let other = saved.removeLast()
                for i in x.v.indices { x.v[i] += other.v[i] }
            case .upsample(let f):
                var out = [Float](repeating: 0, count: x.c * x.h * f * x.w * f)
                for c in 0..<x.c { for y in 0..<(x.h * f) { for xx in 0..<(x.w * f) {
                    out[(c * x.h * f + y) * x.w * f + xx] = x.v[(c * x.h + y / f) * x.w + xx / f]
                } } }
                x = Image(c: x.c, h: x.h * f, w: x.w * f, v: out)
            case .pixelShuffle(let f):
                let oc = x.c / (f * f), oh = x.h * f, ow = x.w * f
                var out = [Float](repeating: 0, count: x.v.count)
                for c in 0..<oc { for y in 0..<oh { for xx in 0..<ow {
                    let source = c * f * f + (y % f) * f + xx % f
                    out[(c * oh + y) * ow + xx] = x.v[(source * x.h + y / f) * x.w + xx / f]
                } } }
                x = Image(c: oc, h: oh, w: ow, v: out)
            case .sigmoid:
                x.v = x.v.map { 1 / (1 + exp(-$0)) }
            }
        }
        return x.v
    }
}
