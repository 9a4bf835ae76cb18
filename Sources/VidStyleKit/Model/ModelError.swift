/// Why a model file could not be used.
///
/// Every case carries the file's path and prints as ONE line that names the file, the problem and
/// what to do about it, because these messages reach users through the command line and logs,
/// where a multi-line dump or an error without a remedy helps nobody.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all (missing, permissions, a directory...).
    case unreadable(path: String, reason: String)
    /// Shorter than the 8-byte header length that every safetensors file starts with.
    case tooShort(path: String, size: Int)
    /// The declared JSON header length does not fit in the file, or is absurdly large.
    case headerLengthInvalid(path: String, declared: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 JSON, or its top level is not an object.
    case headerNotJSON(path: String, reason: String)
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or one of them has the wrong type.
    case malformedEntry(path: String, tensor: String, reason: String)
    /// A tensor's dtype is not one safetensors defines.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's dtype is known but the engine cannot compute with it (it needs F32, F16 or BF16).
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's byte range is reversed or lies outside the data section.
    case rangeOutsideData(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingRanges(path: String, first: String, second: String)
    /// A tensor's byte count differs from its shape's element count times the dtype's size.
    case sizeMismatch(path: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int, actualBytes: Int)
    /// A metadata key the engine needs is absent.
    case missingMetadata(path: String, key: String)
    /// A metadata value could not be decoded or has impossible values.
    case badMetadata(path: String, key: String, reason: String)
    /// The architecture's format version is newer (or older) than this engine understands.
    case unsupportedFormatVersion(path: String, version: Int)
    /// The architecture is inconsistent (unknown op, channels that do not chain, unbalanced save/add...).
    case badArchitecture(path: String, layer: Int, reason: String)
    /// A tensor a layer needs is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A tensor exists but its shape differs from what its layer needs.
    case wrongShape(path: String, tensor: String, expected: [Int], actual: [Int])
    /// The styles list and the norm tensors disagree on the number of styles.
    case styleCountMismatch(path: String, listed: Int, inTensors: Int)
    /// The int8 calibration (`vidstyle.quantization`) is present but malformed. Refused rather
    /// than ignored, so a damaged file does not silently run slower in fp32 or quantize with
    /// nonsense ranges.
    case badQuantization(path: String, reason: String)

    private static let remedy = "re-export it with tools/train.py or use the shipped model"

    public var description: String {
        let text: String
        switch self {
        case let .unreadable(path, reason):
            text = "cannot read model file \(path): \(reason); check the path and permissions"
        case let .tooShort(path, size):
            text = "model file \(path) is corrupt: it is \(size) bytes long, shorter than the 8-byte safetensors header length; \(Self.remedy)"
        case let .headerLengthInvalid(path, declared, fileSize):
            text = "model file \(path) is corrupt: its header claims \(declared) bytes but the file is \(fileSize) bytes (headers must fit in the file and stay under \(SafetensorsFile.maximumHeaderLength) bytes); \(Self.remedy)"
        case let .headerNotJSON(path, reason):
            text = "model file \(path) is corrupt: its header is not a JSON object (\(reason)); \(Self.remedy)"
        case let .malformedEntry(path, tensor, reason):
            text = "model file \(path) is corrupt: tensor \(tensor)'s header entry is malformed (\(reason)); \(Self.remedy)"
        case let .unknownDType(path, tensor, dtype):
            text = "model file \(path) is corrupt: tensor \(tensor) has unknown dtype \"\(dtype)\"; \(Self.remedy)"
        case let .unsupportedDType(path, tensor, dtype):
            text = "model file \(path) is not usable: tensor \(tensor) has dtype \(dtype) but the engine needs F32 (or F16/BF16); export the weights as float32"
        case let .rangeOutsideData(path, tensor, begin, end, dataSize):
            text = "model file \(path) is corrupt: tensor \(tensor)'s data range \(begin)..\(end) lies outside the \(dataSize)-byte data section; \(Self.remedy)"
        case let .overlappingRanges(path, first, second):
            text = "model file \(path) is corrupt: the data of tensors \(first) and \(second) overlap; \(Self.remedy)"
        case let .sizeMismatch(path, tensor, shape, dtype, expected, actual):
            text = "model file \(path) is corrupt: tensor \(tensor) of shape \(shape) and dtype \(dtype) needs \(expected) bytes but has \(actual); \(Self.remedy)"
        case let .missingMetadata(path, key):
            text = "model file \(path) is not a vidstyle model: its metadata lacks \"\(key)\"; export it with tools/train.py or use the shipped model"
        case let .badMetadata(path, key, reason):
            text = "model file \(path) is corrupt: metadata \"\(key)\" is invalid (\(reason)); \(Self.remedy)"
        case let .unsupportedFormatVersion(path, version):
            text = "model file \(path) uses architecture format version \(version) but this vidstyle reads versions \(StyleModel.supportedFormatVersions.lowerBound)...\(StyleModel.supportedFormatVersions.upperBound); update vidstyle or re-export the model with matching tools"
        case let .badArchitecture(path, layer, reason):
            text = "model file \(path) has an invalid architecture at layer \(layer): \(reason); \(Self.remedy)"
        case let .missingTensor(path, tensor):
            text = "model file \(path) is incomplete: tensor \(tensor) needed by its architecture is missing; \(Self.remedy)"
        case let .wrongShape(path, tensor, expected, actual):
            text = "model file \(path) is corrupt: tensor \(tensor) has shape \(actual) but its layer needs \(expected); \(Self.remedy)"
        case let .styleCountMismatch(path, listed, inTensors):
            text = "model file \(path) is corrupt: it lists \(listed) styles but its norm tensors hold \(inTensors); \(Self.remedy)"
        case let .badQuantization(path, reason):
            text = "model file \(path) has invalid int8 calibration: metadata \"\(QuantizationTable.metadataKey)\" \(reason); run tools/calibrate.py on the model again, or remove the key to run it in fp32"
        }
        return ModelError.oneLine(text)
    }

    /// Collapses any line breaks that came in through file contents or system messages.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
