import Foundation
import Testing
@testable import VidStyleKit

/// User style files (`vidstyle styles add` writes them): reading, every refusal, how they join
/// the model's own styles, and names wherever an index is accepted. Files are written here by
/// hand in the learner's format, so none of this needs Python.
@Suite struct UserStyleTests {
    static let model = try! StyleModel.load(contentsOf: Fixtures.tinyModel)

    /// The norms of the fixture model with their channel counts.
    static var norms: [(name: String, channels: Int)] {
        model.layers.compactMap { layer in
            if case .norm(let norm) = layer { return (norm.name, norm.channels) }
            return nil
        }
    }

    /// A user style file's bytes: each norm's row is `row(norm, channels)` (scale, shift).
    static func styleFile(name: String = "mine", digest: String = model.convolutionDigest, formatVersion: Int = 1,
                          skipNorm: String? = nil,
                          row: (String, Int) -> ([Float], [Float]) = { _, c in ([Float](repeating: 1.5, count: c), [Float](repeating: 0.25, count: c)) }) -> Data {
        var header: [String: Any] = [:]
        var data = Data()
        func add(_ tensor: String, dtype: String, shape: [Int], bytes: Data) {
            header[tensor] = ["dtype": dtype, "shape": shape, "data_offsets": [data.count, data.count + bytes.count]]
            data.append(bytes)
        }
        for norm in norms where norm.name != skipNorm {
            let (scale, shift) = row(norm.name, norm.channels)
            add("\(norm.name).scale", dtype: "F32", shape: [scale.count], bytes: Fixtures.floatBytes(scale))
            add("\(norm.name).shift", dtype: "F32", shape: [shift.count], bytes: Fixtures.floatBytes(shift))
        }
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xD9])
        add(UserStyle.keptPaintingTensor, dtype: "U8", shape: [jpeg.count], bytes: jpeg)
        let record: [String: Any] = ["format_version": formatVersion, "name": name, "painting_file": "klee.jpg",
                                     "base_model": ["architecture": model.architectureName, "digest": digest],
                                     "learning": ["steps": 12, "seconds": 3.5]]
        header["__metadata__"] = [UserStyle.metadataKey: String(decoding: try! JSONSerialization.data(withJSONObject: record), as: UTF8.self)]
        return Fixtures.assemble(header: header, data: data)
    }

    /// A styles folder (XDG data home) holding the given files.
    static func folder(_ files: [String: Data]) throws -> UserStyleFolder {
        let home = try TestMedia.temporaryFolder("xdg")
        let folder = UserStyleFolder(environment: ["XDG_DATA_HOME": home])
        try FileManager.default.createDirectory(at: folder.stylesFolder, withIntermediateDirectories: true)
        for (name, bytes) in files { try bytes.write(to: folder.stylesFolder.appendingPathComponent(name)) }
        return folder
    }

    @Test func readsTheRowsThePaintingAndTheRecord() throws {
        let url = try Fixtures.temporaryFile(Self.styleFile(), name: "mine.safetensors")
        let style = try UserStyle.read(contentsOf: url)
        #expect(style.name == "mine")
        #expect(style.paintingFile == "klee.jpg")
        #expect(style.keptPainting == Data([0xFF, 0xD8, 0xFF, 0xD9]))
        #expect(style.rows.count == Self.norms.count)
        #expect(style.learningInfo.contains("\"steps\":12"))
        try style.check(against: Self.model)
    }

    @Test func appendsOneRowPerNormAfterTheShippedStyles() throws {
        let url = try Fixtures.temporaryFile(Self.styleFile(), name: "mine.safetensors")
        let combined = Self.model.appending([try UserStyle.read(contentsOf: url)])
        let shippedCount = Self.model.styles.count
        #expect(combined.styles.count == shippedCount + 1)
        #expect(combined.styles.last?.name == "mine")
        #expect(combined.styles.last?.index == shippedCount)
        for norm in Self.norms {
            let before = Self.model.tensors["\(norm.name).scale"]!, after = combined.tensors["\(norm.name).scale"]!
            #expect(after.shape == [shippedCount + 1, norm.channels])
            #expect(Array(after.values.prefix(before.values.count)) == before.values)
            #expect(Array(after.values.suffix(norm.channels)) == [Float](repeating: 1.5, count: norm.channels))
            #expect(Array(combined.tensors["\(norm.name).shift"]!.values.suffix(norm.channels)) == [Float](repeating: 0.25, count: norm.channels))
        }
        // The shipped model itself is not changed.
        #expect(Self.model.styles.count == shippedCount)
    }

    @Test func aStyleCopiedFromAShippedRowPaintsExactlyLikeIt() throws {
        let source = 1
        let url = try Fixtures.temporaryFile(Self.styleFile { norm, channels in
            let scale = Self.model.tensors["\(norm).scale"]!.values, shift = Self.model.tensors["\(norm).shift"]!.values
            return (Array(scale[(source * channels)..<((source + 1) * channels)]), Array(shift[(source * channels)..<((source + 1) * channels)]))
        }, name: "copy.safetensors")
        let combined = Self.model.appending([try UserStyle.read(contentsOf: url)])
        let golden = try SafetensorsFile(contentsOf: Fixtures.golden)
        let input = try #require(try golden.floats(named: "input"))
        func paint(_ weights: [Float]) throws -> [Float] {
            let network = try StyleNetwork(model: combined, width: 28, height: 20, useWinograd: true, precision: .fp32,
                                           cpu: .current, shareActivations: true, fuseNorms: true, kernels: .onednn)
            try network.setStyleWeights(weights)
            input.withUnsafeBufferPointer { network.input.update(from: $0.baseAddress!, count: $0.count) }
            try network.run()
            return Array(UnsafeBufferPointer(start: network.output, count: input.count))
        }
        let count = combined.styles.count
        let userRow = try paint((0..<count).map { $0 == count - 1 ? 1 : 0 })
        let shippedRow = try paint((0..<count).map { $0 == source ? 1 : 0 })
        let otherRow = try paint((0..<count).map { $0 == 0 ? 1 : 0 })
        #expect(userRow == shippedRow)
        #expect(userRow != otherRow)
    }

    @Test func aStyleForAnotherModelIsRefusedNamingTheRelearnCommand() throws {
        let url = try Fixtures.temporaryFile(Self.styleFile(digest: "0123456789abcdef"), name: "mine.safetensors")
        let style = try UserStyle.read(contentsOf: url)
        #expect(throws: UserStyleError.madeForAnotherModel(name: "mine", architecture: Self.model.architectureName)) {
            try style.check(against: Self.model)
        }
        let text = UserStyleError.madeForAnotherModel(name: "mine", architecture: "x").description
        #expect(text.contains("vidstyle styles relearn mine"))
        #expect(!text.contains("\n"))
    }

    @Test func theDigestFollowsTheConvolutionsNotTheStylesOrTheFile() throws {
        let digest = Self.model.convolutionDigest
        #expect(digest.count == 16)
        // More styles (a new shipped style, or user styles appended) keep the digest.
        let url = try Fixtures.temporaryFile(Self.styleFile(), name: "mine.safetensors")
        #expect(Self.model.appending([try UserStyle.read(contentsOf: url)]).convolutionDigest == digest)
        // Another network does not.
        let mirrored = try Fixtures.mirroredModel(Fixtures.tinyModel)
        #expect(mirrored.convolutionDigest != digest)
    }

    @Test func damagedAndForeignFilesAreRefusedInOneLine() throws {
        let cases: [(Data, String)] = [
            (Data("not a style".utf8), "not a usable user style"),
            (try Data(contentsOf: Fixtures.tinyModel), "no vidstyle.user_style record"),
            (Self.styleFile(formatVersion: 7), "format version 7"),
        ]
        for (bytes, words) in cases {
            let url = try Fixtures.temporaryFile(bytes, name: "bad.safetensors")
            do {
                _ = try UserStyle.read(contentsOf: url)
                Issue.record("accepted: \(words)")
            } catch {
                #expect(error.description.contains(words), "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
        let missingRow = try UserStyle.read(contentsOf: try Fixtures.temporaryFile(Self.styleFile(skipNorm: Self.norms[0].name), name: "m.safetensors"))
        #expect(throws: UserStyleError.self) { try missingRow.check(against: Self.model) }
    }

    @Test func theCatalogResolvesNamesAndIndicesAndKeepsRefusalsApart() throws {
        let folder = try Self.folder(["mine.safetensors": Self.styleFile(),
                                      "old.safetensors": Self.styleFile(name: "old", digest: "ffffffffffffffff")])
        try FileManager.default.createDirectory(at: folder.workFolder(for: "halfway"), withIntermediateDirectories: true)
        let catalog = StyleCatalog(shipped: Self.model, folder: folder)
        let shipped = Self.model.styles.count
        #expect(catalog.model.styles.map(\.name) == Self.model.styles.map(\.name) + ["mine"])
        #expect(try catalog.index(of: "mine") == shipped)
        #expect(try catalog.index(of: "MINE") == shipped)
        #expect(try catalog.index(of: "fixture-1") == 1)
        #expect(try catalog.index(of: "\(shipped)") == shipped)
        #expect(catalog.isUserStyle(shipped) && !catalog.isUserStyle(0))
        #expect(catalog.refused.map(\.name) == ["old"])
        #expect(catalog.unfinished == ["halfway"])
        for (key, words) in [("old", "vidstyle styles relearn old"), ("halfway", "still being learned"),
                             ("nope", "no style named \"nope\""), ("\(shipped + 1)", "out of range")] {
            do {
                _ = try catalog.index(of: key)
                Issue.record("\(key) resolved")
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
    }

    @Test func aUserStyleCannotTakeAShippedName() throws {
        let folder = try Self.folder(["fixture-0.safetensors": Self.styleFile(name: "fixture-0")])
        let catalog = StyleCatalog(shipped: Self.model, folder: folder)
        #expect(catalog.userStyles.isEmpty)
        #expect(catalog.refused.first?.error.description.contains("already taken") == true)
        #expect(try catalog.index(of: "fixture-0") == 0)
    }

    @Test(arguments: [("", "is empty"), ("a/b", "path separator"), ("..", "starts with ."), ("3", "is a number"),
                      ("a:b", "--mix"), ("a b", "space"), (String(repeating: "x", count: 65), "longer")])
    func badNamesAreRefused(name: String, words: String) {
        #expect(StyleName.problem(with: name)?.contains(words) == true, "\(name)")
    }

    @Test func goodNamesPass() {
        for name in ["klee", "van-doesburg_13", "Vallotton.2", "étude"] { #expect(StyleName.problem(with: name) == nil, "\(name)") }
    }

    @Test func mixesAndPresetsTakeNames() throws {
        let folder = try Self.folder(["mine.safetensors": Self.styleFile()])
        let catalog = StyleCatalog(shipped: Self.model, folder: folder)
        let resolve = { (key: String) throws(OptionError) -> Int in try catalog.index(of: key) }
        let mix = try StyleSelection.parseMix("mine:0.5, fixture-1:0.25,0:0.25", resolve: resolve)
        #expect(mix.indices == [Self.model.styles.count, 1, 0])
        #expect(throws: OptionError.self) { try StyleSelection.parseMix("nope:1", resolve: resolve) }

        let preset = try PipelinePreset.decode(yaml: "stylize:\n  style: mine\n")
        let settings = PipelineSettings.merge(preset: preset, commandLine: [:])
        #expect(settings.namesStyles)
        #expect(try settings.resolvingStyleNames(resolve).styleSettings.style == .single(Self.model.styles.count))
        let mixPreset = try PipelinePreset.decode(yaml: "stylize:\n  mix: \"mine:1,fixture-2:1\"\n")
        let mixed = try PipelineSettings.merge(preset: mixPreset, commandLine: [:]).resolvingStyleNames(resolve)
        #expect(mixed.styleSettings.style.indices == [Self.model.styles.count, 2])
        #expect(throws: PresetError.self) { try PipelinePreset.decode(yaml: "stylize:\n  style: a/b\n") }
    }
}
