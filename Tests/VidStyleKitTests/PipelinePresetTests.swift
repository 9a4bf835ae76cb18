import Foundation
import Testing
@testable import VidStyleKit

/// Parsing, checking and merging of pipeline presets, without running a job.
@Suite struct PipelinePresetTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shippedPresets: [String] = {
        let folder = repositoryRoot.appendingPathComponent("pipelines")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0).path }
    }()

    /// The error `decode` throws for `yaml`, or nil (recorded as an issue) if it decodes.
    func decodeError(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> PresetError? {
        do {
            let preset = try PipelinePreset.decode(yaml: yaml)
            Issue.record("decoded \(preset) from a bad preset", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(!error.description.contains("\n"), "not one line: \(error)", sourceLocation: sourceLocation)
            return error
        }
    }

    @Test func thePipelinesFolderShipsPresets() {
        #expect(Self.shippedPresets.count >= 3, "found \(Self.shippedPresets)")
    }

    @Test(arguments: shippedPresets)
    func shippedPresetParses(path: String) throws {
        let preset = try PipelinePreset.load(path: path)
        #expect(preset.name == URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        #expect(preset.description?.isEmpty == false)
        let settings = try PipelineOverrides().styleSettings(over: preset)
        try settings.validate()
        // Every index must exist in the shipped model (9 styles).
        try settings.style.validate(styleCount: 9)
    }

    @Test func everyKeyIsRead() throws {
        let preset = try PipelinePreset.decode(yaml: """
            name: all
            description: every key
            mix: "3:0.7,5:0.3"
            strength: 0.7
            preserve_color: true
            smoothing: 0.2
            codec: vp9
            crf: 34
            preset: "4"
            audio: false
            """)
        #expect(preset == PipelinePreset(name: "all", description: "every key", mix: "3:0.7,5:0.3", strength: 0.7,
                                         preserveColor: true, smoothing: 0.2, codec: .vp9, crf: 34, preset: "4", audio: false))
        #expect(try preset.selection() == StyleSelection.parseMix("3:0.7,5:0.3"))
    }

    @Test func unknownKeyNamesTheLineTheKeyAndTheValidKeys() {
        let error = decodeError("name: typo\nstyle: 2\nstrenght: 0.5\n")
        #expect(error?.line == 3)
        #expect(error?.description.contains("line 3") == true)
        #expect(error?.description.contains("unknown key 'strenght'") == true)
        #expect(error?.description.contains("did you mean 'strength'") == true)
        #expect(error?.description.contains("preserve_color") == true)
    }

    @Test func unknownKeyIsRefusedByTheDecoderItself() {
        // Decoding through any Codable decoder is strict too, not only `load`.
        let json = Data(#"{"name": "x", "colour": true}"#.utf8)
        #expect(throws: PresetError.self) { try JSONDecoder().decode(PipelinePreset.self, from: json) }
    }

    @Test(arguments: [
        ("name: t\nstrength: high\n", "strength", 2),
        ("name: t\nstyle: 2.5\n", "style", 2),
        ("name: t\npreserve_color: maybe\n", "preserve_color", 2),
        ("name: t\ncrf: [20]\n", "crf", 2),
    ])
    func wrongTypeNamesTheKeyAndLine(yaml: String, key: String, line: Int) {
        let error = decodeError(yaml)
        #expect(error?.line == line)
        #expect(error?.description.contains("\(key) must be") == true, "\(String(describing: error))")
    }

    @Test func styleAndMixTogetherAreRefused() {
        let error = decodeError("name: t\nstyle: 1\nmix: \"1:0.5,2:0.5\"\n")
        #expect(error?.description.contains("style and mix") == true)
        #expect(error?.line == 3)
    }

    @Test(arguments: ["strength: 1.5", "strength: -0.1", "smoothing: 2", "crf: 64", "style: -1", "mix: \"1:-1\"", "codec: vp8"])
    func outOfRangeValueIsRefused(line: String) {
        let error = decodeError("name: t\n\(line)\n")
        let key = String(line.prefix { $0 != ":" })
        #expect(error?.line == 2)
        #expect(error?.description.hasPrefix("preset line 2: \(key)") == true, "\(String(describing: error))")
        #expect(error?.description.contains("--") == false, "command-line wording leaked: \(String(describing: error))")
    }

    @Test(arguments: ["", "- a\n- b\n", "name: [a\n", "style: 1\n", "name: t\ncrf: 20\ncrf: 30\n"])
    func malformedFileIsRefused(yaml: String) {
        _ = decodeError(yaml)
    }

    @Test func syntaxErrorGivesLineAndColumn() {
        let error = decodeError("name: t\nstrength: [0.5\n")
        #expect(error?.line != nil && error?.column != nil, "\(String(describing: error))")
    }

    @Test func loadNamesTheFileAndMissingFilesAreErrors() throws {
        let folder = try TestMedia.temporaryFolder()
        let path = "\(folder)/typo.yaml"
        try "name: typo\nstrenght: 0.5\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: PresetError("unknown key 'strenght' (did you mean 'strength'?); valid keys are name, description, style, mix, strength, preserve_color, smoothing, codec, crf, preset, audio",
                                    key: "strenght", file: path, line: 2)) {
            try PipelinePreset.load(path: path)
        }
        do {
            _ = try PipelinePreset.load(path: "\(folder)/none.yaml")
            Issue.record("a missing preset loaded")
        } catch {
            #expect(error.description.hasPrefix("preset \(folder)/none.yaml: file does not exist"))
        }
    }

    @Test func commandLineBeatsPresetBeatsDefaults() throws {
        let preset = PipelinePreset(name: "p", mix: "1:0.5,2:0.5", strength: 0.7, preserveColor: true,
                                    codec: .vp9, crf: 34, audio: false)
        let none = PipelineOverrides()
        #expect(try none.styleSettings(over: preset) == StyleSettings(style: preset.selection()!, strength: 0.7,
                                                                        preserveColor: true, smoothing: 0.6))
        #expect(none.encodingOptions(over: preset) == EncodingOptions(codec: .vp9, crf: 34, preset: nil, keepAudio: false))

        let cli = PipelineOverrides(style: .single(3), strength: 1, preserveColor: false, codec: .h265, keepAudio: true)
        #expect(try cli.styleSettings(over: preset) == StyleSettings(style: .single(3), strength: 1, preserveColor: false, smoothing: 0.6))
        #expect(cli.encodingOptions(over: preset) == EncodingOptions(codec: .h265, crf: 34, preset: nil, keepAudio: true))

        #expect(try none.styleSettings() == StyleSettings())
        #expect(none.encodingOptions() == EncodingOptions())
    }

    @Test func bareNamesAreLookedUpInPipelinesThenShare() throws {
        let folder = try TestMedia.temporaryFolder()
        let fake = URL(fileURLWithPath: "\(folder)/prefix/bin/vidstyle")
        try FileManager.default.createDirectory(atPath: "\(folder)/prefix/share/vidstyle/pipelines", withIntermediateDirectories: true)
        try "name: b\n".write(toFile: "\(folder)/prefix/share/vidstyle/pipelines/b.yaml", atomically: false, encoding: .utf8)
        #expect(try PresetLocator.locate("b", currentFolder: folder, executable: fake) == "\(folder)/prefix/share/vidstyle/pipelines/b.yaml")
        try FileManager.default.createDirectory(atPath: "\(folder)/pipelines", withIntermediateDirectories: true)
        try "name: b\n".write(toFile: "\(folder)/pipelines/b.yaml", atomically: false, encoding: .utf8)
        #expect(try PresetLocator.locate("b", currentFolder: folder, executable: fake) == "\(folder)/pipelines/b.yaml")
        #expect(try PresetLocator.locate("x/b.yaml", currentFolder: folder, executable: fake) == "x/b.yaml")
        #expect(throws: PresetError.self) { try PresetLocator.locate("nope", currentFolder: folder, executable: fake) }
    }
}
