import Foundation

/// A parsed, fully bounds-checked safetensors file: 8 bytes little-endian header length N,
/// N bytes of JSON, then the raw little-endian tensor bytes.
///
/// Model files come from users and the network, so nothing in the header is trusted: the header
/// length, every entry's dtype, shape and byte range, and the absence of overlaps are all checked
/// before any tensor byte is read, and each failure is a `ModelError` naming the file and the
/// tensor. Tensors are handed out as `[Float]` (F16 and BF16 are widened) because the engine
/// computes in float32 only.
public struct SafetensorsFile: Sendable {
    /// Headers larger than this are refused as corrupt; real headers are a few kilobytes.
    public static let maximumHeaderLength = 100_000_000

    /// Element types defined by the safetensors format.
    public enum DType: String, Sendable, CaseIterable {
        case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32"
        case f64 = "F64", i64 = "I64", u64 = "U64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
            case .i16, .u16, .f16, .bf16: return 2
            case .i32, .u32, .f32: return 4
            case .f64, .i64, .u64: return 8
            }
        }
    }

    /// One tensor's header entry, already validated against the data section.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range relative to the start of the data section.
        public let range: Range<Int>
        /// The number of elements (product of `shape`; 1 for a scalar).
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The path the file was read from, used in every error message.
    public let path: String
    /// The optional `__metadata__` object (string → string).
    public let metadata: [String: String]
    /// Every tensor entry by name.
    public let entries: [String: Entry]
    private let bytes: Data
    private let dataStart: Int

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            throw ModelError.unreadable(path: url.path, reason: "no such file")
        }
        if isDirectory.boolValue {
            throw ModelError.unreadable(path: url.path, reason: "it is a folder, not a .safetensors file")
        }
        if access(url.path, R_OK) != 0 {
            throw ModelError.unreadable(path: url.path, reason: "permission denied")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        try self.init(bytes: data, path: url.path)
    }

    /// Validates the file contents `bytes`; `path` only names the file in errors.
    public init(bytes: Data, path: String) throws {
        let bytes = Data(bytes)  // rebase so indices start at 0
        self.path = path
        self.bytes = bytes
        guard bytes.count >= 8 else { throw ModelError.tooShort(path: path, size: bytes.count) }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard declared <= UInt64(Self.maximumHeaderLength), Int(declared) <= bytes.count - 8 else {
            throw ModelError.headerLengthInvalid(path: path, declared: declared, fileSize: bytes.count)
        }
        let headerLength = Int(declared)
        dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        let header = bytes.subdata(in: 8..<dataStart)

        let decoded: Header
        do {
            decoded = try JSONDecoder().decode(Header.self, from: header)
        } catch let failure as EntryFailure {
            throw ModelError.malformedEntry(path: path, tensor: failure.tensor, reason: failure.reason)
        } catch let failure as MetadataFailure {
            throw ModelError.badMetadata(path: path, key: "__metadata__", reason: failure.reason)
        } catch {
            throw ModelError.headerNotJSON(path: path, reason: Self.describe(error))
        }
        metadata = decoded.metadata

        var entries: [String: Entry] = [:]
        for (name, record) in decoded.tensors {
            guard let dtype = DType(rawValue: record.dtype) else {
                throw ModelError.unknownDType(path: path, tensor: name, dtype: record.dtype)
            }
            guard record.data_offsets.count == 2 else {
                throw ModelError.malformedEntry(path: path, tensor: name,
                                                reason: "data_offsets has \(record.data_offsets.count) values, not 2")
            }
            guard record.shape.allSatisfy({ $0 >= 0 }) else {
                throw ModelError.malformedEntry(path: path, tensor: name, reason: "shape \(record.shape) has a negative dimension")
            }
            let begin = record.data_offsets[0], end = record.data_offsets[1]
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw ModelError.rangeOutsideData(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var expected = dtype.size
            var overflow = false
            for dim in record.shape where !overflow {
                (expected, overflow) = expected.multipliedReportingOverflow(by: dim)
            }
            guard !overflow, expected == end - begin else {
                throw ModelError.sizeMismatch(path: path, tensor: name, shape: record.shape, dtype: dtype.rawValue,
                                              expectedBytes: overflow ? Int.max : expected, actualBytes: end - begin)
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: record.shape, range: begin..<end)
        }
        // Overlap check: sorted by start, each non-empty range must begin at or after the
        // furthest end seen so far.
        let sorted = entries.values.filter { !$0.range.isEmpty }
            .sorted { ($0.range.lowerBound, $0.name) < ($1.range.lowerBound, $1.name) }
        var furthest: Entry?
        for entry in sorted {
            if let previous = furthest, entry.range.lowerBound < previous.range.upperBound {
                throw ModelError.overlappingRanges(path: path, first: previous.name, second: entry.name)
            }
            if furthest == nil || entry.range.upperBound > furthest!.range.upperBound { furthest = entry }
        }
        self.entries = entries
    }

    /// A U8 tensor's bytes as stored (an embedded file, such as a user style's kept painting), or
    /// nil when there is no U8 tensor of that name.
    public func bytes(named name: String) -> Data? {
        guard let entry = entries[name], entry.dtype == .u8 else { return nil }
        return bytes.subdata(in: (dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound))
    }

    /// The tensor's values widened to float32, or nil when there is no tensor of that name.
    /// Throws `ModelError.unsupportedDType` for integer and 8-bit float tensors.
    public func floats(named name: String) throws -> [Float]? {
        guard let entry = entries[name] else { return nil }
        let count = entry.elementCount
        let start = dataStart + entry.range.lowerBound
        return try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
            switch entry.dtype {
            case .f32:
                return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                    for i in 0..<count {
                        let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))
                        out[i] = Float(bitPattern: bits)
                    }
                    initialized = count
                }
            case .f16:
                return (0..<count).map { i in
                    Self.halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)))
                }
            case .bf16:
                return (0..<count).map { i in
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self))
                    return Float(bitPattern: UInt32(bits) << 16)
                }
            default:
                throw ModelError.unsupportedDType(path: path, tensor: name, dtype: entry.dtype.rawValue)
            }
        }
    }

    /// IEEE 754 binary16 to binary32, written out because `Float16` is not available on every
    /// platform Swift supports.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1f)
        let mantissa = UInt32(h & 0x3ff)
        if exponent == 0x1f {  // inf / nan
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        }
        if exponent == 0 {  // zero / subnormal: mantissa * 2^-24
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(context):
            let underlying = context.underlyingError.map { " \(($0 as NSError).localizedDescription)" } ?? ""
            return context.debugDescription + underlying
        case let DecodingError.typeMismatch(type, context):
            return "expected \(type) at \(codingPath(context.codingPath))"
        case let DecodingError.keyNotFound(key, _):
            return "missing \(key.stringValue)"
        case let DecodingError.valueNotFound(type, context):
            return "null where \(type) was expected at \(codingPath(context.codingPath))"
        default:
            return "\(error)"
        }
    }

    private static func codingPath(_ path: [CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

// MARK: - Header decoding

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A failure inside one tensor entry, carried out of `JSONDecoder` with the tensor's name.
private struct EntryFailure: Error {
    let tensor: String
    let reason: String
}

private struct MetadataFailure: Error {
    let reason: String
}

private struct TensorRecord: Decodable {
    let dtype: String
    let shape: [Int]
    // swiftlint:disable:next identifier_name
    let data_offsets: [Int]
}

private struct Header: Decodable {
    var metadata: [String: String] = [:]
    var tensors: [String: TensorRecord] = [:]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                do {
                    metadata = try container.decode([String: String].self, forKey: key)
                } catch {
                    throw MetadataFailure(reason: "not an object of strings: \(SafetensorsFile.describe(error))")
                }
            } else {
                do {
                    tensors[key.stringValue] = try container.decode(TensorRecord.self, forKey: key)
                } catch {
                    throw EntryFailure(tensor: key.stringValue, reason: SafetensorsFile.describe(error))
                }
            }
        }
    }
}
