import Foundation
@testable import VidStyleKit

/// Fixture files and small helpers for writing deliberately broken model files.
enum Fixtures {
    static func url(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures") else {
            fatalError("fixture \(name).safetensors is missing from the test bundle")
        }
        return url
    }

    static var tinyModel: URL { url("tiny-model") }
    static var golden: URL { url("golden") }

    /// The safetensors file `bytes` split into its JSON header (as a mutable dictionary) and its data.
    static func split(_ bytes: Data) -> (header: [String: Any], data: Data) {
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        let header = try! JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as! [String: Any]
        return (header, bytes.subdata(in: (8 + length)..<bytes.count))
    }

    /// A safetensors file from raw header bytes and data.
    static func assemble(headerBytes: Data, data: Data, declaredLength: UInt64? = nil) -> Data {
        var out = Data()
        var length = (declaredLength ?? UInt64(headerBytes.count)).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(headerBytes)
        out.append(data)
        return out
    }

    /// A safetensors file from a header dictionary and data.
    static func assemble(header: [String: Any], data: Data) -> Data {
        assemble(headerBytes: try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]), data: data)
    }

    /// The tiny model with its header changed by `edit`.
    static func editedTinyModel(_ edit: (inout [String: Any]) -> Void) -> Data {
        var (header, data) = split(try! Data(contentsOf: tinyModel))
        edit(&header)
        return assemble(header: header, data: data)
    }

    /// Writes `bytes` to a fresh temporary file, alone in its own `TestMedia.temporaryFolder`.
    static func temporaryFile(_ bytes: Data, name: String = "model.safetensors") throws -> URL {
        let url = URL(fileURLWithPath: try TestMedia.temporaryFolder("model")).appendingPathComponent(name)
        try bytes.write(to: url)  // not `.atomic`: see `TestMedia`
        return url
    }

    /// The model in `url` with every convolution mirroring its input (architecture format 2,
    /// `padding: reflect`), the same weights and calibration.
    static func mirroredModel(_ url: URL) throws -> StyleModel {
        var (header, data) = split(try Data(contentsOf: url))
        var metadata = header["__metadata__"] as! [String: String]
        var architecture = try JSONSerialization.jsonObject(with: Data(metadata[StyleModel.architectureKey]!.utf8)) as! [String: Any]
        architecture["format_version"] = 2
        architecture["layers"] = (architecture["layers"] as! [[String: Any]]).map { layer in
            var layer = layer
            if layer["op"] as? String == "conv" { layer["padding"] = "reflect" }
            return layer
        }
        metadata[StyleModel.architectureKey] = String(decoding: try JSONSerialization.data(withJSONObject: architecture), as: UTF8.self)
        header["__metadata__"] = metadata
        return try StyleModel.load(file: SafetensorsFile(bytes: assemble(header: header, data: data), path: "mirrored.safetensors"))
    }

    /// Little-endian float32 bytes.
    static func floatBytes(_ values: [Float]) -> Data {
        var data = Data()
        for value in values {
            var bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
        }
        return data
    }
}
