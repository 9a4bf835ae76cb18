import Foundation
import Testing
@testable import VidStyleKit

/// Every malformed model file must be refused with its specific `ModelError`, whose description
/// is a single line naming the file.
@Suite("Model file rejection")
struct ModelRejectionTests {
    /// Writes `bytes` to a temporary file, loads it, and checks the error is `expected(path)`.
    private func expectRejection(_ bytes: Data, _ expected: (String) -> ModelError,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = try Fixtures.temporaryFile(bytes)
        defer { TestMedia.remove(url.deletingLastPathComponent().path) }
        do {
            _ = try StyleModel.load(contentsOf: url)
            Issue.record("the bad file was accepted", sourceLocation: sourceLocation)
        } catch let error as ModelError {
            #expect(error == expected(url.path), sourceLocation: sourceLocation)
            let text = error.description
            #expect(!text.contains("\n") && !text.contains("\r"), "not one line: \(text)", sourceLocation: sourceLocation)
            #expect(text.contains(url.path), "does not name the file: \(text)", sourceLocation: sourceLocation)
        }
    }

    private func tensorFile(_ entries: [String: Any], dataSize: Int) -> Data {
        Fixtures.assemble(header: entries, data: Data(count: dataSize))
    }

    // MARK: safetensors structure

    @Test func tooShortFile() throws {
        try expectRejection(Data([1, 2, 3, 4, 5])) { .tooShort(path: $0, size: 5) }
    }

    @Test func headerLengthLargerThanFile() throws {
        let header = Data("{}".utf8)
        let bytes = Fixtures.assemble(headerBytes: header, data: Data(), declaredLength: 1000)
        try expectRejection(bytes) { .headerLengthInvalid(path: $0, declared: 1000, fileSize: bytes.count) }
    }

    @Test func absurdHeaderLength() throws {
        let bytes = Fixtures.assemble(headerBytes: Data("{}".utf8), data: Data(), declaredLength: UInt64.max)
        try expectRejection(bytes) { .headerLengthInvalid(path: $0, declared: UInt64.max, fileSize: bytes.count) }
    }

    @Test func headerThatIsNotJSON() throws {
        let bytes = Fixtures.assemble(headerBytes: Data("{\"a\": [1, 2,\nnot json".utf8), data: Data())
        let url = try Fixtures.temporaryFile(bytes)
        #expect {
            _ = try StyleModel.load(contentsOf: url)
        } throws: { error in
            guard let error = error as? ModelError, case .headerNotJSON(let path, _) = error else { return false }
            return path == url.path && !error.description.contains("\n")
        }
    }

    @Test func headerThatIsAJSONArray() throws {
        let bytes = Fixtures.assemble(headerBytes: Data("[1, 2]".utf8), data: Data())
        let url = try Fixtures.temporaryFile(bytes)
        #expect {
            _ = try SafetensorsFile(contentsOf: url)
        } throws: { error in
            guard case .headerNotJSON(let path, _)? = error as? ModelError else { return false }
            return path == url.path
        }
    }

    @Test func rangeOutsideTheData() throws {
        let bytes = tensorFile(["w": ["dtype": "F32", "shape": [200], "data_offsets": [100, 900]]], dataSize: 500)
        try expectRejection(bytes) { .rangeOutsideData(path: $0, tensor: "w", begin: 100, end: 900, dataSize: 500) }
    }

    @Test func reversedRange() throws {
        let bytes = tensorFile(["w": ["dtype": "F32", "shape": [0], "data_offsets": [8, 4]]], dataSize: 16)
        try expectRejection(bytes) { .rangeOutsideData(path: $0, tensor: "w", begin: 8, end: 4, dataSize: 16) }
    }

    @Test func overlappingRanges() throws {
        let bytes = tensorFile(["a": ["dtype": "F32", "shape": [4], "data_offsets": [0, 16]],
                                "b": ["dtype": "F32", "shape": [4], "data_offsets": [8, 24]]], dataSize: 24)
        try expectRejection(bytes) { .overlappingRanges(path: $0, first: "a", second: "b") }
    }

    @Test func sizeThatDisagreesWithTheShape() throws {
        let bytes = tensorFile(["w": ["dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]]], dataSize: 24)
        try expectRejection(bytes) {
            .sizeMismatch(path: $0, tensor: "w", shape: [2, 3], dtype: "F32", expectedBytes: 24, actualBytes: 20)
        }
    }

    @Test func unknownDType() throws {
        let bytes = tensorFile(["w": ["dtype": "F33", "shape": [1], "data_offsets": [0, 4]]], dataSize: 4)
        try expectRejection(bytes) { .unknownDType(path: $0, tensor: "w", dtype: "F33") }
    }

    @Test func entryWithoutOffsets() throws {
        let bytes = tensorFile(["w": ["dtype": "F32", "shape": [1]]], dataSize: 4)
        try expectRejection(bytes) { .malformedEntry(path: $0, tensor: "w", reason: "missing data_offsets") }
    }

    @Test func readsF32AndWidensF16() throws {
        var data = Fixtures.floatBytes([1.5, -2])
        data.append(contentsOf: [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00])  // F16: 1.0, -2.0, smallest subnormal
        let bytes = Fixtures.assemble(header: ["a": ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]],
                                               "h": ["dtype": "F16", "shape": [3], "data_offsets": [8, 14]],
                                               "__metadata__": ["k": "v"]], data: data)
        let file = try SafetensorsFile(bytes: bytes, path: "memory")
        #expect(try file.floats(named: "a") == [1.5, -2])
        #expect(try file.floats(named: "h") == [1, -2, Float(sign: .plus, exponent: -24, significand: 1)])
        #expect(file.metadata == ["k": "v"])
        #expect(try file.floats(named: "missing") == nil)
    }

    // MARK: model contents

    @Test func loadsTheTinyModel() throws {
        let model = try StyleModel.load(contentsOf: Fixtures.tinyModel)
        #expect(model.architectureName == "cin-slim-w8-b1")
        #expect(model.inputMultiple == 4)
        #expect(model.styles.map(\.index) == [0, 1, 2])
        #expect(model.styles[2] == StyleInfo(index: 2, name: "fixture-2", painter: "Painter 2", painting: "Painting 2", image: "fixture_2.jpg"))
        #expect(model.trainingInfo.contains("random weights for tests"))
        #expect(model.tensor(named: "enc1.weight")?.shape == [4, 3, 5, 5])
        #expect(model.layers.first == .conv(.init(name: "enc1", inChannels: 3, outChannels: 4, kernel: 5, stride: 1, hasBias: false)))
        #expect(model.layers.last == .sigmoid)
    }

    @Test func missingTensorForALayer() throws {
        let bytes = Fixtures.editedTinyModel { header in
            header["enc2_renamed.weight"] = header.removeValue(forKey: "enc2.weight")
        }
        try expectRejection(bytes) { .missingTensor(path: $0, tensor: "enc2.weight") }
    }

    @Test func tensorWithTheWrongShape() throws {
        // Same element count, so the file is structurally valid; only the layer's check catches it.
        let bytes = Fixtures.editedTinyModel { header in
            var entry = header["enc1.weight"] as! [String: Any]
            entry["shape"] = [3, 4, 5, 5]
            header["enc1.weight"] = entry
        }
        try expectRejection(bytes) { .wrongShape(path: $0, tensor: "enc1.weight", expected: [4, 3, 5, 5], actual: [3, 4, 5, 5]) }
    }

    @Test func styleCountMismatch() throws {
        let bytes = Fixtures.editedTinyModel { header in
            var metadata = header["__metadata__"] as! [String: String]
            let styles = try! JSONSerialization.jsonObject(with: Data(metadata["vidstyle.styles"]!.utf8)) as! [Any]
            metadata["vidstyle.styles"] = String(decoding: try! JSONSerialization.data(withJSONObject: Array(styles.prefix(2))), as: UTF8.self)
            header["__metadata__"] = metadata
        }
        try expectRejection(bytes) { .styleCountMismatch(path: $0, listed: 2, inTensors: 3) }
    }

    @Test func duplicateStyleIndices() throws {
        let bytes = Fixtures.editedTinyModel { header in
            var metadata = header["__metadata__"] as! [String: String]
            metadata["vidstyle.styles"] = metadata["vidstyle.styles"]!.replacingOccurrences(of: "\"index\": 2", with: "\"index\": 1")
            header["__metadata__"] = metadata
        }
        let url = try Fixtures.temporaryFile(bytes)
        #expect {
            _ = try StyleModel.load(contentsOf: url)
        } throws: { error in
            guard case .badMetadata(_, let key, _)? = error as? ModelError else { return false }
            return key == "vidstyle.styles"
        }
    }

    @Test func channelsThatDoNotChain() throws {
        let bytes = Fixtures.editedTinyModel { header in
            var metadata = header["__metadata__"] as! [String: String]
            metadata["vidstyle.architecture"] = metadata["vidstyle.architecture"]!
                .replacingOccurrences(of: "\"name\":\"enc1_norm\",\"channels\":4", with: "\"name\":\"enc1_norm\",\"channels\":5")
            header["__metadata__"] = metadata
        }
        try expectRejection(bytes) { .badArchitecture(path: $0, layer: 1, reason: "norm enc1_norm has 5 channels but receives 4") }
    }

    /// A padding this engine does not know is refused at load, not guessed; a format version
    /// beyond the ones it reads is refused as such.
    @Test func unknownPaddingAndFormatVersion() throws {
        func edited(_ from: String, _ to: String) -> Data {
            Fixtures.editedTinyModel { header in
                var metadata = header["__metadata__"] as! [String: String]
                metadata["vidstyle.architecture"] = metadata["vidstyle.architecture"]!.replacingOccurrences(of: from, with: to)
                header["__metadata__"] = metadata
            }
        }
        try expectRejection(edited("\"kernel\":5,\"stride\":1,\"bias\":false}", "\"kernel\":5,\"stride\":1,\"bias\":false,\"padding\":\"circular\"}")) {
            .badArchitecture(path: $0, layer: 0, reason: "conv enc1 has padding \"circular\"; this engine knows \"zeros\" and \"reflect\"")
        }
        try expectRejection(edited("\"format_version\":1", "\"format_version\":3")) { .unsupportedFormatVersion(path: $0, version: 3) }
        let mirrored = try StyleModel.load(file: SafetensorsFile(
            bytes: edited("\"bias\":false}", "\"bias\":false,\"padding\":\"reflect\"}"), path: "partly-mirrored.safetensors"))
        let conv = try #require(mirrored.layers.first)
        #expect(conv == .conv(.init(name: "enc1", inChannels: 3, outChannels: 4, kernel: 5, stride: 1, hasBias: false, padding: .reflect)))
        // Only a network that mirrors in every convolution gets the narrow margin.
        #expect(mirrored.edgeMargin == 24)
    }

    @Test func fileWithoutArchitecture() throws {
        let bytes = Fixtures.editedTinyModel { header in
            var metadata = header["__metadata__"] as! [String: String]
            metadata["vidstyle.architecture"] = nil
            header["__metadata__"] = metadata
        }
        try expectRejection(bytes) { .missingMetadata(path: $0, key: "vidstyle.architecture") }
    }

    @Test func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/vidstyle/model.safetensors")
        #expect {
            _ = try StyleModel.load(contentsOf: url)
        } throws: { error in
            guard let error = error as? ModelError, case .unreadable(let path, _) = error else { return false }
            return path == url.path && !error.description.contains("\n")
        }
    }
}
