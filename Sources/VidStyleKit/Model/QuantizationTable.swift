import Foundation

/// The int8 calibration of a model: for each convolution that may run quantized, the range its
/// input activations were clipped to when `tools/calibrate.py` measured them on training images.
///
/// The ranges are stored in the model file (`vidstyle.quantization`) rather than measured by the
/// engine, because a good range needs many representative frames and a run-time measurement
/// would make the first frames of every video slower and different from the rest. Weight scales
/// are not stored: the engine derives them per output channel from the weights themselves, which
/// are in the same file and cannot disagree with them. A convolution missing from the table runs
/// in fp32, so the calibration step can keep a layer that quantizes badly in full precision.
public struct QuantizationTable: Sendable, Equatable {
    /// The metadata key, written by `tools/calibrate.py`.
    public static let metadataKey = "vidstyle.quantization"
    /// The format version this engine reads.
    public static let supportedFormatVersion = 1

    /// Per convolution name, the largest input magnitude kept: inputs are clipped to
    /// `0...range` (non-negative inputs, u8) or `-range...range` (s8) before quantizing.
    public let inputRanges: [String: Float]
    /// The `calibration` object as raw JSON text ("{}" when absent): how the ranges were found.
    public let calibrationInfo: String

    public init(inputRanges: [String: Float], calibrationInfo: String = "{}") {
        self.inputRanges = inputRanges
        self.calibrationInfo = calibrationInfo
    }

    /// The range for convolution `name`, or nil when that convolution stays fp32.
    public func inputRange(of name: String) -> Float? { inputRanges[name] }

    /// Parses the metadata text and checks it against the model's convolutions. Throws
    /// `ModelError.badQuantization` naming the first problem.
    static func parse(_ text: String, convolutionNames: Set<String>, path: String) throws -> QuantizationTable {
        func bad(_ reason: String) -> ModelError { .badQuantization(path: path, reason: reason) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw bad("it is not a JSON object")
        }
        guard let version = object["format_version"] as? Int else { throw bad("\"format_version\" is missing or not a whole number") }
        guard version == supportedFormatVersion else {
            throw bad("format_version \(version) is not \(supportedFormatVersion), the version this vidstyle reads")
        }
        guard object["convs"] is [String: Any] else { throw bad("\"convs\" is missing or not an object") }
        struct Record: Decodable {
            struct Entry: Decodable { let input_range: Double }
            let convs: [String: Entry]
        }
        let record: Record
        do {
            record = try JSONDecoder().decode(Record.self, from: Data(text.utf8))
        } catch {
            throw bad("every entry of \"convs\" must be an object with a numeric \"input_range\" (\(SafetensorsFile.describe(error)))")
        }
        guard !record.convs.isEmpty else { throw bad("\"convs\" is empty, so nothing would run in int8") }
        var ranges: [String: Float] = [:]
        for name in record.convs.keys.sorted() {
            guard convolutionNames.contains(name) else { throw bad("\"\(name)\" is not a convolution of this model") }
            let range = record.convs[name]!.input_range
            guard range.isFinite, range > 0, Float(range).isFinite else {
                throw bad("\(name)'s input_range \(range) is not a positive finite number")
            }
            ranges[name] = Float(range)
        }
        var info = "{}"
        if let calibration = object["calibration"] {
            guard JSONSerialization.isValidJSONObject(calibration),
                  let data = try? JSONSerialization.data(withJSONObject: calibration, options: [.sortedKeys]) else {
                throw bad("\"calibration\" is not a JSON object")
            }
            info = String(decoding: data, as: UTF8.self)
        }
        return QuantizationTable(inputRanges: ranges, calibrationInfo: info)
    }
}
