import Foundation
import Testing
@testable import VidStyleKit

/// The int8 path: a calibrated model runs its convolutions quantized and stays close to fp32, a
/// model without calibration runs fp32 under `auto` and refuses `int8`, and malformed
/// calibration metadata is refused with a one-line error.
@Suite("Int8 precision")
struct Int8PrecisionTests {
    static var calibratedModel: URL { Fixtures.url("tiny-model-int8") }
    static let allConvolutions = ["enc1", "enc2", "enc3", "res0_a", "res0_b", "dec1", "dec2"]

    /// The golden input through a network of that precision, with the golden style blend.
    private func output(_ model: StyleModel, _ precision: Precision, cpu: CPUFeatures = .current,
                        shareActivations: Bool = true) throws -> (values: [Float], network: StyleNetwork) {
        try GoldenNetworkRun.output(model, precision, cpu: cpu, shareActivations: shareActivations)
    }

    func psnr(_ a: [Float], _ b: [Float]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(1 / mse)
    }

    /// Every convolution runs in oneDNN's int8 kernels, each reading a quantized input (from a
    /// quantizing reorder, or written by the fused norm before it), and the picture stays within
    /// 35 dB of fp32 but is not bit-identical (so int8 really ran).
    @Test func int8StaysCloseToFP32() throws {
        let model = try StyleModel.load(contentsOf: Self.calibratedModel)
        let fp32 = try output(model, .fp32)
        let int8 = try output(model, .int8)
        #expect(fp32.network.quantizedConvolutions.isEmpty)
        #expect(int8.network.quantizedConvolutions == Self.allConvolutions)
        #expect(int8.network.precision == .int8)
        let steps = int8.network.stepImplementations
        for name in Self.allConvolutions {
            // dec1 follows the upsampling: it runs as the first of its four phase convolutions.
            let conv = try #require(steps.first { $0.hasPrefix("conv \(name) int8:") || $0.hasPrefix("conv \(name) phase 0 int8:") },
                                    "\(steps)")
            #expect(conv.contains("int8"), "\(conv)")
            let index = try #require(steps.firstIndex(of: conv))
            let before = steps[index - 1]
            #expect(before.hasPrefix("conv \(name) int8 quantize:") || before.hasSuffix(": vidstyle:fused_norm"), "\(before)")
        }
        #expect(!fp32.network.stepImplementations.contains { $0.contains("int8") })
        let quality = psnr(int8.values, fp32.values)
        print("tiny model int8 vs fp32 PSNR: \(quality) dB; steps: \(steps)")
        #expect(quality > 35)
        #expect(quality.isFinite, "int8 gave exactly the fp32 output")
        #expect(int8.values.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// Frames do not leak into each other, and the liveness-planned arena holds the int8
    /// tensors (u8/s8 copies and fp32 outputs) as safely as giving each its own bytes.
    @Test func int8IsRepeatableAndTheArenaPlanHolds() throws {
        let model = try StyleModel.load(contentsOf: Self.calibratedModel)
        let shared = try output(model, .int8)
        try shared.network.run()
        let again = Array(UnsafeBufferPointer(start: shared.network.output, count: shared.values.count))
        #expect(again == shared.values)
        let separate = try output(model, .int8, shareActivations: false)
        #expect(separate.values == shared.values)
        #expect(shared.network.activationBytes < separate.network.activationBytes)
    }

    /// A network that accepts bytes takes the frame's bytes (scaled by the calibration) as its
    /// first convolution's quantized input, with no step converting them, and paints what the
    /// planar float input gives, to the rounding of a few quantized values; an fp32 network, or
    /// one not asked to, offers no byte input.
    @Test func framesGoInAsBytes() throws {
        let model = try StyleModel.load(contentsOf: Self.calibratedModel)
        let (width, height) = (28, 20)
        let frame = VideoFrame(width: 22, height: 14)
        for y in 0..<14 { for x in 0..<66 { frame.row(y)[x] = UInt8((y * 37 + x * 11) % 256) } }
        func painted(bytes: Bool) throws -> (values: [Float], network: StyleNetwork) {
            let network = try StyleNetwork(model: model, width: width, height: height, precision: .int8, acceptingBytes: bytes)
            if let (pixels, scale) = network.byteInput {
                PlanarImage.loadBytes(frame, into: pixels, scale: scale, width: width, height: height, left: 3, top: 3)
            } else {
                PlanarImage.load(frame, into: network.input, width: width, height: height, left: 3, top: 3)
            }
            try network.run()
            return (Array(UnsafeBufferPointer(start: network.output, count: 3 * width * height)), network)
        }
        let viaBytes = try painted(bytes: true), viaFloats = try painted(bytes: false)
        #expect(viaBytes.network.byteInput != nil)
        #expect(viaFloats.network.byteInput == nil)
        #expect(!viaBytes.network.stepImplementations.contains { $0.hasPrefix("conv enc1 int8 quantize") }, "\(viaBytes.network.stepImplementations)")
        #expect(viaFloats.network.stepImplementations.contains { $0.hasPrefix("conv enc1 int8 quantize") })
        let quality = psnr(viaBytes.values, viaFloats.values)
        print("tiny model, frame bytes vs planar input PSNR: \(quality) dB")
        #expect(quality > 45)
        #expect(try StyleNetwork(model: model, width: width, height: height, precision: .fp32, acceptingBytes: true).byteInput == nil)
    }

    /// Without VNNI the weights are kept to 7 bits (oneDNN's 16-bit pair sums would saturate on
    /// full 8-bit weights); both ranges stay close to fp32 on the fixture.
    @Test(arguments: [true, false])
    func weightRangeFollowsTheCPU(vnni: Bool) throws {
        #expect(CPUFeatures(hasVNNI: vnni).weightLevels == (vnni ? 127 : 63))
        guard !vnni || CPUFeatures.current.hasVNNI else { return }  // 8-bit weights may saturate without VNNI
        let model = try StyleModel.load(contentsOf: Self.calibratedModel)
        let fp32 = try output(model, .fp32)
        let int8 = try output(model, .int8, cpu: CPUFeatures(hasVNNI: vnni))
        #expect(psnr(int8.values, fp32.values) > 35)
    }

    /// A convolution the calibration leaves out runs fp32 inside an int8 network.
    @Test func uncalibratedConvolutionsStayFP32() throws {
        var (header, data) = Fixtures.split(try Data(contentsOf: Self.calibratedModel))
        var metadata = header["__metadata__"] as! [String: String]
        var table = try JSONSerialization.jsonObject(with: Data(metadata[QuantizationTable.metadataKey]!.utf8)) as! [String: Any]
        var convs = table["convs"] as! [String: Any]
        convs["dec2"] = nil
        table["convs"] = convs
        metadata[QuantizationTable.metadataKey] = String(decoding: try JSONSerialization.data(withJSONObject: table), as: UTF8.self)
        header["__metadata__"] = metadata
        let model = try StyleModel.load(file: SafetensorsFile(bytes: Fixtures.assemble(header: header, data: data), path: "partial.safetensors"))
        let int8 = try output(model, .int8)
        #expect(int8.network.quantizedConvolutions == Self.allConvolutions.filter { $0 != "dec2" })
        #expect(int8.network.stepImplementations.contains { $0.hasPrefix("conv dec2:") && !$0.contains("int8") })
    }

    /// With reflect padding the quantizing reorder writes straight into the inside of the
    /// mirrored buffer and the mirror is copied in u8/s8: int8 still follows fp32, and fp32
    /// follows the naive reference's mirroring.
    @Test func mirroringConvolutionsRunInInt8() throws {
        let model = try Fixtures.mirroredModel(Self.calibratedModel)
        #expect(model.layers.allSatisfy { if case .conv(let conv) = $0 { conv.padding == .reflect } else { true } })
        let fp32 = try output(model, .fp32)
        let int8 = try output(model, .int8)
        #expect(int8.network.quantizedConvolutions == Self.allConvolutions)
        #expect(int8.network.stepImplementations.contains { $0.hasPrefix("conv enc1 int8 input left edge:") })
        let quality = psnr(int8.values, fp32.values)
        print("tiny model, reflect padding, int8 vs fp32 PSNR: \(quality) dB")
        #expect(quality > 35)
        let golden = try SafetensorsFile(contentsOf: Fixtures.golden)
        let expected = Reference.forward(layers: model.layers, tensors: model.tensors, input: try #require(try golden.floats(named: "input")),
                                         width: 28, height: 20, styleWeights: [0.2, 0, 0.8])
        #expect(psnr(fp32.values, expected) > 80)
        let zeroPadded = try output(try StyleModel.load(contentsOf: Self.calibratedModel), .fp32)
        #expect(psnr(fp32.values, zeroPadded.values) < 60, "reflect padding changed nothing")
    }

    /// `auto` follows the measured table (docs/performance.md): int8 from AVX2 up, with or
    /// without VNNI, when the model is calibrated; fp32 otherwise.
    @Test func autoPicksInt8ForACalibratedModelFromAVX2Up() throws {
        let plain = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        let calibrated = try StyleModel.load(contentsOf: Self.calibratedModel)
        #expect(plain.quantization == nil)
        #expect(calibrated.quantization?.inputRanges.keys.sorted() == Self.allConvolutions.sorted())
        #expect(calibrated.quantization?.inputRange(of: "enc1") ?? 0 > 0.9)
        let vnni = CPUFeatures(hasVNNI: true), avx2 = CPUFeatures(hasVNNI: false)
        for level in CPUFeatures.Level.allCases {
            let expected: Precision = level >= .avx2 ? .int8 : .fp32
            #expect(try PrecisionChoice.auto.resolved(for: calibrated, cpu: CPUFeatures(level: level)) == expected, "\(level)")
            #expect(try PrecisionChoice.auto.resolved(for: plain, cpu: CPUFeatures(level: level)) == .fp32, "\(level)")
        }
        #expect(try PrecisionChoice.int8.resolved(for: calibrated, cpu: avx2) == .int8)
        #expect(try PrecisionChoice.fp32.resolved(for: calibrated, cpu: vnni) == .fp32)
    }

    @Test func int8IsRefusedForAModelWithoutCalibration() throws {
        let plain = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        #expect {
            _ = try PrecisionChoice.int8.resolved(for: plain, cpu: CPUFeatures(hasVNNI: true))
        } throws: { error in
            let text = "\(error)"
            return error is OptionError && text.contains("--precision int8") && text.contains("tools/calibrate.py")
                && text.contains(plain.path) && !text.contains("\n")
        }
        #expect(throws: NetworkError.noQuantization(path: plain.path)) {
            _ = try StyleNetwork(model: plain, width: 28, height: 20, precision: .int8)
        }
        // And the stylizer, which resolves the user's choice, refuses too.
        #expect(throws: OptionError.self) {
            _ = try FrameStylizer(model: plain, width: 16, height: 16, settings: StyleSettings(smoothing: 0, precision: .int8))
        }
    }

    /// Broken calibration metadata is refused at load with a one-line error naming the problem.
    @Test(arguments: [
        ("not json", "not a JSON object"),
        (#"{"convs": {"enc1": {"input_range": 1}}}"#, "format_version"),
        (#"{"format_version": 2, "convs": {"enc1": {"input_range": 1}}}"#, "format_version 2"),
        (#"{"format_version": 1}"#, "\"convs\""),
        (#"{"format_version": 1, "convs": {}}"#, "empty"),
        (#"{"format_version": 1, "convs": {"nope": {"input_range": 1}}}"#, "\"nope\" is not a convolution"),
        (#"{"format_version": 1, "convs": {"enc1": {"input_range": -1}}}"#, "not a positive finite number"),
        (#"{"format_version": 1, "convs": {"enc1": {"input_range": 0}}}"#, "not a positive finite number"),
        (#"{"format_version": 1, "convs": {"enc1": {"input_range": "1"}}}"#, "numeric \"input_range\""),
        (#"{"format_version": 1, "convs": {"enc1": {"input_range": true}}}"#, "numeric \"input_range\""),
        (#"{"format_version": 1, "convs": {"enc1": {}}}"#, "numeric \"input_range\""),
        (#"{"format_version": 1, "convs": {"enc1": {"input_range": 1e60}}}"#, "not a positive finite number"),
        (#"{"format_version": 1, "convs": {"enc1": {"input_range": 1}}, "calibration": 3}"#, "\"calibration\""),
    ])
    func malformedCalibrationIsRefused(metadata: String, reason: String) throws {
        let bytes = Fixtures.editedTinyModel { header in
            var values = header["__metadata__"] as! [String: String]
            values[QuantizationTable.metadataKey] = metadata
            header["__metadata__"] = values
        }
        #expect {
            _ = try StyleModel.load(file: SafetensorsFile(bytes: bytes, path: "broken.safetensors"))
        } throws: { error in
            guard case .badQuantization(let path, let why)? = error as? ModelError else { return false }
            let text = "\(error)"
            return path == "broken.safetensors" && why.contains(reason) && text.contains("tools/calibrate.py") && !text.contains("\n")
        }
    }

    /// A valid table keeps the calibration notes and accepts a subset of the convolutions.
    @Test func validCalibrationParses() throws {
        let bytes = Fixtures.editedTinyModel { header in
            var values = header["__metadata__"] as! [String: String]
            values[QuantizationTable.metadataKey] = #"{"format_version": 1, "convs": {"enc2": {"input_range": 3.5, "signed": false}}, "calibration": {"method": "mse"}}"#
            header["__metadata__"] = values
        }
        let model = try StyleModel.load(file: SafetensorsFile(bytes: bytes, path: "ok.safetensors"))
        #expect(model.quantization == QuantizationTable(inputRanges: ["enc2": 3.5], calibrationInfo: #"{"method":"mse"}"#))
        #expect(model.quantization?.inputRange(of: "enc1") == nil)
    }
}
