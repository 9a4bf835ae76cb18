import Foundation

extension StyleModel {
    /// A digest of what a user style depends on: the architecture and every convolution's
    /// weights and biases, in layer order (64-bit FNV-1a over their float bits, as hex).
    ///
    /// Not the file's hash: recalibrating int8 or adding a shipped style changes the file but
    /// not the shared convolutions, and a user style stays valid through both; retraining the
    /// network changes them, and then a style learned for the old one must be learned again.
    public var convolutionDigest: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for byte in architectureName.utf8 { mix(byte) }
        for layer in layers {
            guard case .conv(let conv) = layer else { continue }
            for byte in "|\(conv.name) \(conv.inChannels) \(conv.outChannels) \(conv.kernel) \(conv.stride) \(conv.padding)".utf8 {
                mix(byte)
            }
            for name in [conv.weightName, conv.biasName] {
                guard let tensor = tensors[name] else { continue }
                for value in tensor.values {
                    let bits = value.bitPattern
                    mix(UInt8(truncatingIfNeeded: bits))
                    mix(UInt8(truncatingIfNeeded: bits >> 8))
                    mix(UInt8(truncatingIfNeeded: bits >> 16))
                    mix(UInt8(truncatingIfNeeded: bits >> 24))
                }
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// This model with the user styles as extra styles after its own: each norm's scale and
    /// shift tensors gain one row per user style. The network is the same, so a user style
    /// paints at exactly a shipped style's speed, and mixes work across both kinds.
    /// - Precondition: every style passed `UserStyle.check(against: self)`.
    public func appending(_ userStyles: [UserStyle]) -> StyleModel {
        guard !userStyles.isEmpty else { return self }
        var tensors = self.tensors
        for layer in layers {
            guard case .norm(let norm) = layer else { continue }
            for (name, pick) in [(norm.scaleName, \UserStyle.NormRow.scale), (norm.shiftName, \UserStyle.NormRow.shift)] {
                guard let tensor = tensors[name] else { continue }
                let values = tensor.values + userStyles.flatMap { $0.rows[norm.name]![keyPath: pick] }
                tensors[name] = Tensor(shape: [tensor.shape[0] + userStyles.count, norm.channels], values: values)
            }
        }
        let added = userStyles.enumerated().map { offset, style in
            StyleInfo(index: styles.count + offset, name: style.name, painter: "your painting",
                      painting: style.paintingFile, image: style.paintingFile)
        }
        return StyleModel(path: path, architectureName: architectureName, inputMultiple: inputMultiple, layers: layers,
                          styles: styles + added, trainingInfo: trainingInfo, tensors: tensors, quantization: quantization)
    }
}
