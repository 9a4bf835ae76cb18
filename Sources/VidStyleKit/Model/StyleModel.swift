import Foundation

/// A multi-style network loaded from a safetensors model file and checked end to end.
///
/// `load(contentsOf:)` decodes the architecture, the styles and the training notes from the
/// metadata and verifies that every tensor each layer needs exists with the exact shape, that
/// channel counts chain from the RGB input to a 3-channel output of the input's size, and that the
/// styles list agrees with the norm tensors. A model that loads can therefore be built by
/// `StyleNetwork` for any size that is a multiple of `inputMultiple`; all problems surface here,
/// once, as a one-line `ModelError`, rather than as a crash mid-video. Immutable, hence `Sendable`.
public final class StyleModel: Sendable {
    /// Metadata keys written by `tools/vidstyle_tools/export.py`.
    public static let architectureKey = "vidstyle.architecture"
    public static let stylesKey = "vidstyle.styles"
    public static let trainingKey = "vidstyle.training"
    /// The architecture format versions this engine understands: 1, and 2, which adds a conv's
    /// `padding`.
    public static let supportedFormatVersions = 1...2

    /// The file the model came from.
    public let path: String
    /// The architecture's name, e.g. "cin-slim-w32-b3".
    public let architectureName: String
    /// Input width and height must be multiples of this (pad before, crop after).
    public let inputMultiple: Int
    /// The checked layers in execution order.
    public let layers: [Layer]
    /// The styles, sorted by index (index i is at position i).
    public let styles: [StyleInfo]
    /// The `vidstyle.training` metadata: a JSON object as raw text ("{}" when absent).
    public let trainingInfo: String
    /// The tensors the layers use, by name (float32).
    public let tensors: [String: Tensor]
    /// The int8 calibration from `vidstyle.quantization`, or nil for a model that runs only in fp32.
    public let quantization: QuantizationTable?

    init(path: String, architectureName: String, inputMultiple: Int, layers: [Layer],
                 styles: [StyleInfo], trainingInfo: String, tensors: [String: Tensor], quantization: QuantizationTable?) {
        self.path = path
        self.architectureName = architectureName
        self.inputMultiple = inputMultiple
        self.layers = layers
        self.styles = styles
        self.trainingInfo = trainingInfo
        self.tensors = tensors
        self.quantization = quantization
    }

    /// Mirrored pixels `FrameStylizer` adds on every side of a frame before the network and
    /// crops after, so the network's edge artefacts fall outside the picture. Zero padding makes
    /// the network paint streaks along its input's edges. With the shipped model, 24 px keeps
    /// every style's outer 8 px on each side within ~1 level of 255 of the picture's inside when
    /// both are compared with the same frame painted deep inside a larger one (worst side 6.0
    /// against 4.9 inside, all 9 styles, two frames of samples/city.mp4); with 16 px style 2's top
    /// rows are 9-10 levels off against 4 inside: a streak (docs/performance.md, "Margin"). A
    /// network whose every convolution mirrors its input has no such streaks and needs fewer,
    /// and every pixel of margin is network work thrown away: 24 px cost 22% more work at 640x360
    /// (32 px cost 30%).
    public var edgeMargin: Int {
        let mirrored = layers.allSatisfy { layer in
            if case .conv(let conv) = layer { return conv.padding == .reflect }
            return true
        }
        return mirrored ? Self.mirroredNetworkMargin : Self.zeroPaddedNetworkMargin
    }
    static let zeroPaddedNetworkMargin = 24
    static let mirroredNetworkMargin = 16

    /// The tensor of that name, if the architecture uses it.
    public func tensor(named name: String) -> Tensor? { tensors[name] }

    /// The index of the style with that name (case-insensitive), if any.
    public func styleIndex(named name: String) -> Int? {
        styles.firstIndex { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Reads, parses and validates a model file. Throws `ModelError`.
    public static func load(contentsOf url: URL) throws -> StyleModel {
        try load(file: SafetensorsFile(contentsOf: url))
    }

    /// Validates an already parsed safetensors file as a vidstyle model. Throws `ModelError`.
    public static func load(file: SafetensorsFile) throws -> StyleModel {
        let path = file.path

        // Architecture.
        guard let architectureText = file.metadata[architectureKey] else {
            throw ModelError.missingMetadata(path: path, key: architectureKey)
        }
        let record: ArchitectureRecord
        do {
            record = try JSONDecoder().decode(ArchitectureRecord.self, from: Data(architectureText.utf8))
        } catch {
            throw ModelError.badMetadata(path: path, key: architectureKey, reason: SafetensorsFile.describe(error))
        }
        guard supportedFormatVersions.contains(record.formatVersion) else {
            throw ModelError.unsupportedFormatVersion(path: path, version: record.formatVersion)
        }
        guard record.inputMultiple >= 1, record.inputMultiple <= 1024 else {
            throw ModelError.badMetadata(path: path, key: architectureKey,
                                         reason: "input_multiple \(record.inputMultiple) is not in 1...1024")
        }
        let layers = try record.layers.enumerated().map { try checkedLayer($0.element, index: $0.offset, path: path) }

        // Styles.
        guard let stylesText = file.metadata[stylesKey] else {
            throw ModelError.missingMetadata(path: path, key: stylesKey)
        }
        var styles: [StyleInfo]
        do {
            styles = try JSONDecoder().decode([StyleInfo].self, from: Data(stylesText.utf8))
        } catch {
            throw ModelError.badMetadata(path: path, key: stylesKey, reason: SafetensorsFile.describe(error))
        }
        guard !styles.isEmpty else {
            throw ModelError.badMetadata(path: path, key: stylesKey, reason: "the styles list is empty")
        }
        styles.sort { $0.index < $1.index }
        for (position, style) in styles.enumerated() where style.index != position {
            throw ModelError.badMetadata(path: path, key: stylesKey,
                                         reason: "style indices must be 0..\(styles.count - 1) each once, but \"\(style.name)\" has index \(style.index)")
        }

        // Training notes (informative only; must be a JSON object when present).
        var trainingInfo = "{}"
        if let text = file.metadata[trainingKey] {
            let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            guard parsed is [String: Any] else {
                throw ModelError.badMetadata(path: path, key: trainingKey, reason: "not a JSON object")
            }
            trainingInfo = text
        }

        // Tensors and the flow of channels and resolution through the layers.
        var tensors: [String: Tensor] = [:]
        func require(_ name: String, _ expected: [Int]) throws {
            guard let entry = file.entries[name] else { throw ModelError.missingTensor(path: path, tensor: name) }
            guard entry.shape == expected else {
                throw ModelError.wrongShape(path: path, tensor: name, expected: expected, actual: entry.shape)
            }
            guard let values = try file.floats(named: name) else { throw ModelError.missingTensor(path: path, tensor: name) }
            tensors[name] = Tensor(shape: entry.shape, values: values)
        }
        // Resolution relative to the input as a fraction up/down; the input's size is a multiple
        // of inputMultiple, so every stride must divide it for sizes to stay exact.
        struct Flow: Equatable { var channels: Int; var up: Int; var down: Int }
        func reduced(_ flow: Flow) -> Flow {
            var a = flow.up, b = flow.down
            while b != 0 { (a, b) = (b, a % b) }
            return Flow(channels: flow.channels, up: flow.up / a, down: flow.down / a)
        }
        var flow = Flow(channels: 3, up: 1, down: 1)
        var stack: [Flow] = []
        let styleCount = styles.count
        for (index, layer) in layers.enumerated() {
            func bad(_ reason: String) -> ModelError { .badArchitecture(path: path, layer: index, reason: reason) }
            switch layer {
            case .conv(let conv):
                guard conv.inChannels == flow.channels else {
                    throw bad("conv \(conv.name) takes \(conv.inChannels) channels but receives \(flow.channels)")
                }
                try require(conv.weightName, [conv.outChannels, conv.inChannels, conv.kernel, conv.kernel])
                if conv.hasBias { try require(conv.biasName, [conv.outChannels]) }
                flow = reduced(Flow(channels: conv.outChannels, up: flow.up, down: flow.down * conv.stride))
                guard record.inputMultiple % flow.down == 0 else {
                    throw bad("conv \(conv.name) reduces the resolution by \(flow.down), which does not divide input_multiple \(record.inputMultiple)")
                }
            case .norm(let norm):
                guard norm.channels == flow.channels else {
                    throw bad("norm \(norm.name) has \(norm.channels) channels but receives \(flow.channels)")
                }
                for name in [norm.scaleName, norm.shiftName] {
                    if let entry = file.entries[name], entry.shape.count == 2, entry.shape[1] == norm.channels,
                       entry.shape[0] != styleCount {
                        throw ModelError.styleCountMismatch(path: path, listed: styleCount, inTensors: entry.shape[0])
                    }
                    try require(name, [styleCount, norm.channels])
                }
            case .save:
                stack.append(flow)
            case .add:
                guard let saved = stack.popLast() else { throw bad("add without a matching save") }
                guard saved == flow else {
                    throw bad("add joins \(flow.channels) channels at scale \(flow.up)/\(flow.down) with \(saved.channels) channels at scale \(saved.up)/\(saved.down)")
                }
            case .upsample(let factor):
                flow = reduced(Flow(channels: flow.channels, up: flow.up * factor, down: flow.down))
            case .pixelShuffle(let factor):
                guard flow.channels % (factor * factor) == 0 else {
                    throw bad("pixel_shuffle by \(factor) needs channels divisible by \(factor * factor), got \(flow.channels)")
                }
                flow = reduced(Flow(channels: flow.channels / (factor * factor), up: flow.up * factor, down: flow.down))
            case .sigmoid:
                break
            }
        }
        guard stack.isEmpty else {
            throw ModelError.badArchitecture(path: path, layer: layers.count, reason: "\(stack.count) saved tensor(s) never added back")
        }
        guard flow == Flow(channels: 3, up: 1, down: 1) else {
            throw ModelError.badArchitecture(path: path, layer: layers.count,
                                             reason: "the network ends with \(flow.channels) channels at scale \(flow.up)/\(flow.down) instead of 3 channels at the input's size")
        }
        var quantization: QuantizationTable?
        if let text = file.metadata[QuantizationTable.metadataKey] {
            let convolutions = Set(layers.compactMap { layer -> String? in
                if case .conv(let conv) = layer { return conv.name }
                return nil
            })
            quantization = try QuantizationTable.parse(text, convolutionNames: convolutions, path: path)
        }
        return StyleModel(path: path, architectureName: record.name, inputMultiple: record.inputMultiple,
                          layers: layers, styles: styles, trainingInfo: trainingInfo, tensors: tensors,
                          quantization: quantization)
    }

    private static func checkedLayer(_ record: ArchitectureRecord.LayerRecord, index: Int, path: String) throws -> Layer {
        func bad(_ reason: String) -> ModelError { .badArchitecture(path: path, layer: index, reason: reason) }
        func field<T>(_ value: T?, _ name: String) throws -> T {
            guard let value else { throw bad("\(record.op) layer lacks \"\(name)\"") }
            return value
        }
        func positive(_ value: Int?, _ name: String, max: Int = 1 << 16) throws -> Int {
            let value = try field(value, name)
            guard value >= 1, value <= max else { throw bad("\(record.op) \"\(name)\" is \(value), not in 1...\(max)") }
            return value
        }
        switch record.op {
        case "conv":
            let name = try field(record.name, "name")
            let kernel = try positive(record.kernel, "kernel", max: 31)
            guard kernel % 2 == 1 else { throw bad("conv \(name) has even kernel \(kernel); only odd kernels keep the size") }
            let padding = try record.padding.map { text in
                guard let padding = Layer.Padding(rawValue: text) else {
                    throw bad("conv \(name) has padding \"\(text)\"; this engine knows \"zeros\" and \"reflect\"")
                }
                return padding
            } ?? .zeros
            return .conv(.init(name: name, inChannels: try positive(record.in, "in"), outChannels: try positive(record.out, "out"),
                               kernel: kernel, stride: try positive(record.stride, "stride", max: 16),
                               hasBias: record.bias ?? false, padding: padding))
        case "norm":
            return .norm(.init(name: try field(record.name, "name"), channels: try positive(record.channels, "channels"),
                               relu: try field(record.relu, "relu")))
        case "save": return .save
        case "add": return .add
        case "upsample": return .upsample(factor: try positive(record.factor, "factor", max: 16))
        case "pixel_shuffle": return .pixelShuffle(factor: try positive(record.factor, "factor", max: 16))
        case "sigmoid": return .sigmoid
        default: throw bad("unknown op \"\(record.op)\"")
        }
    }
}
