import Foundation

/// A style the user learned for their own painting (`vidstyle styles add`): one row of γ and β
/// per conditional-instance-norm layer, everything else borrowed from the model it was learned for.
///
/// It lives in a small file of its own (safetensors, written by `tools/learn_style.py`) rather
/// than in the model file, so the shipped model is never modified and a user style survives
/// updates of vidstyle as long as the shared convolutions stay the same. The file also keeps
/// the digest of those convolutions, which is how a style made for an older network is told
/// apart and refused, and a downscaled copy of the painting, so it can be learned again for a
/// new network without the original at hand.
public struct UserStyle: Sendable {
    /// The metadata key holding the style's record (JSON).
    public static let metadataKey = "vidstyle.user_style"
    public static let supportedFormatVersion = 1
    /// The tensor that holds the kept painting's JPEG bytes.
    public static let keptPaintingTensor = "painting.jpeg"

    /// One norm layer's scale (γ) and shift (β), one value per channel.
    public struct NormRow: Sendable, Equatable {
        public let scale: [Float]
        public let shift: [Float]
    }

    public let path: String
    public let name: String
    /// The painting's file name when it was added (shown by `vidstyle styles`).
    public let paintingFile: String
    /// The architecture name and convolution digest (`StyleModel.convolutionDigest`) of the
    /// model the style was learned for.
    public let baseArchitecture: String
    public let baseDigest: String
    /// The `learning` object of the record, as raw JSON text: steps, time, settings, the start.
    public let learningInfo: String
    /// The boldness it was learned with (`styles add --boldness`; 1 for a style from before the option).
    public var boldness: Double {
        let object = (try? JSONSerialization.jsonObject(with: Data(learningInfo.utf8))) as? [String: Any]
        return (object?["boldness"] as? NSNumber)?.doubleValue ?? 1
    }
    /// Per norm layer name, the style's row.
    public let rows: [String: NormRow]
    /// The painting as learned from, JPEG, at most 512 px on its long side.
    public let keptPainting: Data

    /// The record's fields this reader needs.
    private struct Record: Decodable {
        struct Base: Decodable {
            let architecture: String
            let digest: String
        }
        let format_version: Int
        let name: String
        let painting_file: String
        let base_model: Base
    }

    /// Reads and checks a user style file: its record, and that every tensor is a float vector
    /// (the engine checks the lengths against the model's norms in `check(against:)`).
    public static func read(contentsOf url: URL) throws(UserStyleError) -> UserStyle {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        guard let text = file.metadata[metadataKey] else {
            throw .unreadable(path: url.path, reason: "it has no \(metadataKey) record (is it a model file?)")
        }
        let record: Record
        do {
            record = try JSONDecoder().decode(Record.self, from: Data(text.utf8))
        } catch {
            throw .unreadable(path: url.path, reason: "its \(metadataKey) record is malformed (\(SafetensorsFile.describe(error)))")
        }
        guard record.format_version == supportedFormatVersion else {
            throw .unreadable(path: url.path, reason: "format version \(record.format_version); this vidstyle reads \(supportedFormatVersion)")
        }
        var learning = "{}"
        if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
           let info = object["learning"], let data = try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]) {
            learning = String(decoding: data, as: UTF8.self)
        }
        var scales: [String: [Float]] = [:], shifts: [String: [Float]] = [:]
        for (tensorName, entry) in file.entries where tensorName != keptPaintingTensor {
            guard entry.shape.count == 1, let values = try? file.floats(named: tensorName) else {
                throw .unreadable(path: url.path, reason: "tensor \(tensorName) is not a float vector")
            }
            if tensorName.hasSuffix(".scale") {
                scales[String(tensorName.dropLast(6))] = values
            } else if tensorName.hasSuffix(".shift") {
                shifts[String(tensorName.dropLast(6))] = values
            } else {
                throw .unreadable(path: url.path, reason: "unexpected tensor \(tensorName)")
            }
        }
        guard !scales.isEmpty, Set(scales.keys) == Set(shifts.keys) else {
            throw .unreadable(path: url.path, reason: "its scale and shift tensors do not pair up")
        }
        var rows: [String: NormRow] = [:]
        for (layer, scale) in scales {
            guard let shift = shifts[layer], shift.count == scale.count else {
                throw .unreadable(path: url.path, reason: "norm \(layer) has scale and shift of different lengths")
            }
            rows[layer] = NormRow(scale: scale, shift: shift)
        }
        return UserStyle(path: url.path, name: record.name, paintingFile: record.painting_file,
                         baseArchitecture: record.base_model.architecture, baseDigest: record.base_model.digest,
                         learningInfo: learning, rows: rows, keptPainting: file.bytes(named: keptPaintingTensor) ?? Data())
    }

    /// Whether this style can be painted with `model`: learned for the same convolutions, with a
    /// row for exactly its norm layers.
    public func check(against model: StyleModel) throws(UserStyleError) {
        guard baseDigest == model.convolutionDigest else {
            throw .madeForAnotherModel(name: name, architecture: baseArchitecture)
        }
        for layer in model.layers {
            guard case .norm(let norm) = layer else { continue }
            guard let row = rows[norm.name], row.scale.count == norm.channels else {
                throw .unreadable(path: path, reason: "it has no \(norm.channels)-channel row for norm \(norm.name)")
            }
        }
    }
}
