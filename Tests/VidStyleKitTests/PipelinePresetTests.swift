import Foundation
import Testing
@testable import VidStyleKit

/// Reading, checking and merging of pipeline presets, without running a job.
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
            let preset = try PipelinePreset.decode(yaml: yaml, file: "p.yaml")
            Issue.record("decoded \(preset) from a bad preset", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(!error.description.contains("\n"), "not one line: \(error)", sourceLocation: sourceLocation)
            return error
        }
    }

    @Test func theRequiredPresetsAreShipped() {
        let names = Set(Self.shippedPresets.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent })
        #expect(names.isSuperset(of: ["default", "fast-preview", "high-quality", "style-mix", "webcam-live"]), "found \(names)")
    }

    @Test(arguments: shippedPresets)
    func shippedPresetLoadsAndChecks(path: String) throws {
        let preset = try PipelinePreset.load(path: path)
        #expect(preset.name == URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        #expect(preset.description?.isEmpty == false)
        let settings = PipelineSettings.merge(preset: preset, commandLine: [:])
        let output = settings.outputPath(for: "/tmp/out")
        try settings.forOutput(output).check(live: settings.isLive, outputPath: output)
        try settings.styleSettings.validate()
        try settings.styleSettings.style.validate(styleCount: 9)  // the shipped model has 9 styles
    }

    /// `default` is the built-in settings, for files and live inputs alike.
    @Test func theDefaultPresetIsTheBuiltInSettings() throws {
        let path = Self.repositoryRoot.appendingPathComponent("pipelines/default.yaml").path
        let preset = PipelineSettings.merge(preset: try PipelinePreset.load(path: path), commandLine: [:])
        let none = PipelineSettings.merge(preset: nil, commandLine: [:])
        #expect(preset.styleSettings == none.styleSettings)
        #expect(preset.encoding == none.encoding.filledIn)
        for live in [false, true] {
            #expect(preset.queueCapacity(live: live) == none.queueCapacity(live: live))
            #expect(preset.queuePolicy(live: live) == none.queuePolicy(live: live))
        }
    }

    @Test func everyFieldOfEverySectionIsRead() throws {
        let preset = try PipelinePreset.decode(yaml: """
            name: all
            description: every field
            input: {live: true, scale: 0.75, size: 320x240, fps: 15, input_format: MJPG, duration: 2.5}
            stylize:
              model: models/x.safetensors
              mix: "3:0.7,5:0.3"
              strength: 0.7
              preserve_color: true
              precision: int8
            temporal:
              smoothing: 0.2
            encode:
              container: mkv
              codec: HEVC
              crf: 30
              preset: slow
              pixel_format: yuv444p
            audio:
              mode: re-encode
            queues:
              capacity: 3
              policy: drop-oldest
            """, folder: "/presets")
        #expect(preset.name == "all")
        #expect(preset.description == "every field")
        #expect(preset.values == [
            "input.live": .boolean(true), "input.scale": .number(0.75), "input.size": .text("320x240"), "input.fps": .number(15),
            "input.input_format": .text("mjpeg"), "input.duration": .number(2.5),
            "stylize.model": .text("/presets/models/x.safetensors"), "stylize.mix": .text("3:0.7,5:0.3"),
            "stylize.strength": .number(0.7), "stylize.preserve_color": .boolean(true), "stylize.precision": .text("int8"), "temporal.smoothing": .number(0.2),
            "encode.container": .text("mkv"), "encode.codec": .text("h265"), "encode.crf": .integer(30),
            "encode.preset": .text("slow"), "encode.pixel_format": .text("yuv444p"), "audio.mode": .text("re-encode"),
            "queues.capacity": .integer(3), "queues.policy": .text("drop-oldest"),
        ])
        #expect(Set(preset.values.keys).union(["stylize.style"]) == Set(PresetField.all.map(\.path)))
        let settings = PipelineSettings.merge(preset: preset, commandLine: [:])
        #expect(settings.captureRequest == CaptureRequest(width: 320, height: 240, framesPerSecond: 15, format: .mjpeg))
        #expect(settings.encoding == EncodingOptions(codec: .h265, crf: 30, preset: "slow", keepAudio: true,
                                                     reencodeAudio: true, pixelFormat: "yuv444p", container: "mkv"))
        #expect(settings.styleSettings == StyleSettings(style: try StyleSelection.parseMix("3:0.7,5:0.3"), strength: 0.7,
                                                        preserveColor: true, smoothing: 0.2, precision: .int8))
        #expect(settings.duration == 2.5 && settings.isLive && settings.modelPath == "/presets/models/x.safetensors")
        #expect(settings.queueCapacity(live: true) == 3 && settings.queuePolicy(live: true) == .dropOldest)
        #expect(settings.outputPath(for: "clip") == "clip.mkv")
        #expect(settings.outputPath(for: "clip.mp4") == "clip.mp4")
    }

    @Test func nameDefaultsToTheFileNameAndEmptySectionsAreAllowed() throws {
        let preset = try PipelinePreset.decode(yaml: "stylize:\ntemporal: {smoothing: 0}\n", defaultName: "mine")
        #expect(preset.name == "mine")
        #expect(preset.values == ["temporal.smoothing": .number(0)])
    }

    @Test func unknownKeyNamesItsPathPlaceAndNearestKey() {
        let error = decodeError("name: x\nstylize:\n  stlye: 3\n")
        #expect(error?.description == "p.yaml:3:3: unknown key 'stylize.stlye' (did you mean 'stylize.style'?); valid keys in stylize are model, style, mix, strength, preserve_color, precision")
        #expect(decodeError("stylise:\n  style: 1\n")?.description
                    .hasPrefix("p.yaml:1:1: unknown key 'stylise' (did you mean 'stylize'?); valid keys here are name, description, input") == true)
        // A key of the old flat format, or in the wrong section, points to where it lives now.
        #expect(decodeError("name: x\nstrength: 0.5\n")?.description.contains("unknown key 'strength' (did you mean 'stylize.strength'?") == true)
        #expect(decodeError("encode:\n  smoothing: 0.5\n")?.description.contains("unknown key 'encode.smoothing' (did you mean 'temporal.smoothing'?)") == true)
    }

    @Test func wrongTypesAndRangesNameThePathTheValueAndWhatIsAllowed() {
        #expect(decodeError("stylize:\n  strength: 1.5\n")?.description
                    == "p.yaml:2:13: stylize.strength 1.5 is out of range; allowed: a number from 0 to 1")
        #expect(decodeError("stylize:\n  strength: high\n")?.description
                    == "p.yaml:2:13: stylize.strength high is not a number; allowed: a number from 0 to 1")
        #expect(decodeError("encode:\n  crf: 70\n")?.description
                    == "p.yaml:2:8: encode.crf 70 is out of range; allowed: a whole number from 0 to 63")
        #expect(decodeError("encode:\n  codec: h246\n")?.description
                    == "p.yaml:2:10: encode.codec h246 is not allowed (did you mean h264?); allowed: one of h264, h265, vp9")
        #expect(decodeError("stylize:\n  preserve_color: maybe\n")?.description.contains("stylize.preserve_color maybe is not true or false") == true)
        #expect(decodeError("stylize:\n  strength: \"0.5\"\n")?.description.contains("stylize.strength \"0.5\" is quoted text; write it without quotes") == true)
        #expect(decodeError("stylize:\n  style: [1, 2]\n")?.description
                    == "p.yaml:2:10: stylize.style must be a style index (0 to 4096) or name (see `vidstyle styles`), not a list; write e.g. style: 3")
        #expect(decodeError("stylize:\n  style:\n")?.description.contains("stylize.style is empty") == true)
        #expect(decodeError("stylize:\n  mix: \"1:-2\"\n")?.description.contains("stylize.mix \"1:-2\" has a negative weight") == true)
        #expect(decodeError("input:\n  size: 0x10\n")?.description.contains("input.size 0x10 is out of range") == true)
        #expect(decodeError("input:\n  input_format: bogus\n")?.description.contains("input.input_format bogus is not a pixel format") == true)
        #expect(decodeError("audio: false\n")?.description.contains("audio must be a section of key: value lines, not the value 'false'; write e.g. audio: {mode: none}") == true)
        #expect(decodeError("queues:\n  policy: newest\n")?.description.contains("queues.policy newest is not allowed; allowed: one of block, drop-oldest") == true)
    }

    @Test func keysGivenTwiceAndStyleWithMixAreRefused() {
        #expect(decodeError("stylize:\n  style: 1\n  style: 2\n")?.description
                    == "p.yaml:3:3: key 'stylize.style' is given twice (first on line 2); keep one")
        #expect(decodeError("stylize:\n  style: 1\n  mix: \"1:1\"\n")?.description
                    == "p.yaml:3:8: stylize.style and stylize.mix are both given; keep one (a mix can name a single style)")
    }

    @Test func syntaxErrorsGiveFileLineAndColumn() throws {
        let folder = try TestMedia.temporaryFolder()
        let path = "\(folder)/broken.yaml"
        try "stylize:\n  strength: 0.5\n mix: [1\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: PresetError.self) { try PipelinePreset.load(path: path) }
        do {
            _ = try PipelinePreset.load(path: path)
        } catch {
            #expect(error.description.hasPrefix("\(path):3:"), "\(error)")
            #expect(error.description.contains("invalid YAML"), "\(error)")
            #expect(error.line == 3 && error.column != nil)
        }
    }

    @Test func notAMappingAndEmptyFilesAreRefused() {
        #expect(decodeError("- stylize\n")?.description.contains("must be a mapping of sections") == true)
        #expect(decodeError("just text\n")?.description.contains("not the single value 'just text'") == true)
        #expect(decodeError("# only a comment\n")?.description.contains("the file is empty") == true)
        #expect(decodeError("stylize: {}\n---\nstylize: {}\n")?.description.contains("more than one YAML document") == true)
    }

    /// Shapes that crashed Yams (stack overflow) or could exhaust memory are refused in the
    /// event pass, in constant stack, before any tree is built.
    @Test func hostileShapesAreRefusedWithoutCrashing() {
        let hostile = [
            String(repeating: "[", count: 10_000),
            String(repeating: "{a: ", count: 3_000) + String(repeating: "}", count: 3_000),
            "stylize:\n  style: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000),
            String(repeating: "- ", count: 5_000) + "x\n",
            (0..<200).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n"),
        ]
        for yaml in hostile {
            #expect(decodeError(yaml)?.description.contains("nested more than 16 levels deep") == true)
        }
        let bomb = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            """
        #expect(decodeError(bomb)?.description == "p.yaml:1:4: YAML anchor (&name) refused; presets allow no anchors or aliases, write the value out")
        #expect(decodeError("stylize:\n  style: *x\n")?.description.contains("YAML alias (*name) refused") == true)
        let many = "stylize:\n  style: [" + Array(repeating: "1", count: 6_000).joined(separator: ",") + "]\n"
        #expect(decodeError(many)?.description.contains("more than 5000 values") == true)
    }

    @Test func hugeFilesDevicesAndFoldersAreRefusedUnread() throws {
        let folder = try TestMedia.temporaryFolder()
        let huge = "\(folder)/huge.yaml"
        try ("# " + String(repeating: "x", count: 70_000) + "\nstylize: {}\n").write(toFile: huge, atomically: false, encoding: .utf8)
        #expect(throws: PresetError("is 70015 bytes; presets are at most 64 KiB (a few dozen lines), so this is not a preset", file: huge)) {
            try PipelinePreset.load(path: huge)
        }
        #expect(throws: PresetError("is not a regular file; give a preset file (.yaml)", file: "/dev/zero")) {
            try PipelinePreset.load(path: "/dev/zero")
        }
        #expect(throws: PresetError("is a folder; give a preset file (.yaml) or the NAME of a preset (`vidstyle presets` lists them)", file: folder)) {
            try PipelinePreset.load(path: folder)
        }
        let latin1 = "\(folder)/latin1.yaml"
        try Data("description: caf\u{E9}\n".data(using: .isoLatin1)!).write(to: URL(fileURLWithPath: latin1))
        #expect(throws: PresetError("is not UTF-8 text; save it as UTF-8", file: latin1)) { try PipelinePreset.load(path: latin1) }
    }

    @Test func commandLineBeatsPresetBeatsDefaultsFieldByField() throws {
        let preset = try PipelinePreset.decode(yaml: """
            stylize: {style: 4, strength: 0.3, preserve_color: true}
            temporal: {smoothing: 0.9}
            encode: {codec: h264, crf: 18, preset: slow}
            audio: {mode: none}
            """, file: "p.yaml")
        let merged = PipelineSettings.merge(preset: preset, commandLine: ["stylize.strength": .number(1), "audio.mode": .text("copy")])
        #expect(merged.styleSettings == StyleSettings(style: .single(4), strength: 1, preserveColor: true, smoothing: 0.9))
        #expect(merged.encoding == EncodingOptions(codec: .h264, crf: 18, preset: "slow", keepAudio: true))
        #expect(merged.given["stylize.strength"]?.origin == .commandLine)
        #expect(merged.given["temporal.smoothing"]?.origin == .file("p.yaml", line: 2, column: 23))
        // Unset fields take the defaults.
        let plain = PipelineSettings.merge(preset: nil, commandLine: [:])
        #expect(plain.styleSettings == StyleSettings() && plain.encoding == EncodingOptions())
        #expect(plain.queueCapacity(live: false) == 2 && plain.queuePolicy(live: false) == .block)
        #expect(plain.queueCapacity(live: true) == 1 && plain.queuePolicy(live: true) == .dropOldest)
        #expect(plain.outputPath(for: "clip") == "clip.mp4")
    }

    @Test func styleOrMixOnTheCommandLineReplacesBoth() throws {
        let preset = try PipelinePreset.decode(yaml: "stylize: {mix: \"1:1,2:1\"}\n")
        let merged = PipelineSettings.merge(preset: preset, commandLine: ["stylize.style": .integer(3)])
        #expect(merged.styleSettings.style == .single(3))
        #expect(merged.given["stylize.mix"] == nil)
    }

    @Test func aPresetsCrfAndEncoderPresetFollowItsCodec() throws {
        let preset = try PipelinePreset.decode(yaml: "encode: {crf: 18, preset: slow, pixel_format: yuv444p}\n")
        let vp9 = PipelineSettings.merge(preset: preset, commandLine: ["encode.codec": .text("vp9")])
        #expect(vp9.encoding == EncodingOptions(codec: .vp9, pixelFormat: "yuv444p"))
        let h265 = PipelineSettings.merge(preset: preset, commandLine: ["encode.codec": .text("h264")])
        #expect(h265.encoding.preset == "slow")
        // .webm forces VP9: the preset's x264 settings are dropped, the command line's are checked.
        let webm = PipelineSettings.merge(preset: preset, commandLine: [:]).forOutput("out.webm")
        #expect(webm.encoding.crf == nil && webm.encoding.preset == nil)
        try webm.check(live: false, outputPath: "out.webm")
        let typed = PipelineSettings.merge(preset: preset, commandLine: ["encode.preset": .text("medium")]).forOutput("out.webm")
        #expect(throws: OptionError("--preset medium is not a libvpx-vp9 speed; vp9 takes a cpu-used number from -8 to 8 (-8 slowest, 8 fastest), not x264 names")) {
            try typed.check(live: false, outputPath: "out.webm")
        }
    }

    @Test func encoderSettingsAreCheckedAgainstTheEncoderThatRuns() throws {
        func check(_ values: [String: PresetValue], output: String = "out.mp4") throws {
            try PipelineSettings.merge(preset: nil, commandLine: values).check(live: false, outputPath: output)
        }
        #expect(throws: OptionError("--preset bogus is not a libx264 preset; valid names: ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo")) {
            try check(["encode.preset": .text("bogus")])
        }
        #expect(throws: OptionError("--preset slwo is not a libx265 preset (did you mean slow?); valid names: ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo")) {
            try check(["encode.codec": .text("h265"), "encode.preset": .text("slwo")])
        }
        #expect(throws: OptionError("--crf 60 is out of range for h264; allowed: 0-51")) { try check(["encode.crf": .integer(60)]) }
        try check(["encode.crf": .integer(60), "encode.codec": .text("vp9"), "encode.preset": .text("4")])
        try check(["encode.preset": .text("ultrafast")], output: "still.png")  // stills have no encoder preset
        #expect(EncoderCheck.pixelFormats(.h264).contains("yuv444p"))
        #expect(EncoderCheck.cpuUsedRange() == -8...8)
        // A preset's value is reported at its place in the file.
        let preset = try PipelinePreset.decode(yaml: "encode:\n  preset: bogus\n", file: "p.yaml")
        #expect(throws: PresetError("encode.preset bogus is not a libx264 preset; valid names: ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo",
                                    file: "p.yaml", line: 2, column: 11)) {
            try PipelineSettings.merge(preset: preset, commandLine: [:]).check(live: false, outputPath: "o.mp4")
        }
    }

    /// OUT `-` keeps its name (no extension is added), streams Matroska unless a container is
    /// given, forces VP9 for webm as `.webm` does, and refuses mov where it was asked for.
    @Test func standardOutputTakesItsContainerFromTheSettings() throws {
        let plain = PipelineSettings.merge(preset: nil, commandLine: [:])
        #expect(plain.outputPath(for: "-") == "-")
        #expect(plain.outputPath(for: "out") == "out.mp4")
        #expect(plain.encoding.container == nil)
        #expect(VideoWriter.containerName(path: "-", options: plain.encoding) == "mkv")
        #expect(VideoWriter.containerName(path: "a.mov", options: EncodingOptions(container: "webm")) == "mov")
        try plain.check(live: false, outputPath: "-")
        let webm = PipelineSettings.merge(preset: nil, commandLine: ["encode.container": .text("webm")])
        #expect(webm.encoding.container == "webm")
        try webm.check(live: false, outputPath: "-")
        #expect(throws: OptionError("--crf 60 is out of range for h264; allowed: 0-51")) {
            try PipelineSettings.merge(preset: nil, commandLine: ["encode.crf": .integer(60)]).check(live: false, outputPath: "-")
        }
        try PipelineSettings.merge(preset: nil, commandLine: ["encode.crf": .integer(60), "encode.container": .text("webm")])
            .check(live: false, outputPath: "-")
        let sentence = "cannot be written to standard output (it seeks back to finish the file); use mkv (the default for -), webm or mp4 (written fragmented)"
        #expect(throws: OptionError("--container mov " + sentence)) {
            try PipelineSettings.merge(preset: nil, commandLine: ["encode.container": .text("mov")]).check(live: false, outputPath: "-")
        }
        let preset = try PipelinePreset.decode(yaml: "encode:\n  container: mov\n", file: "p.yaml")
        let fromPreset = PipelineSettings.merge(preset: preset, commandLine: [:])
        #expect(throws: PresetError("encode.container mov " + sentence, file: "p.yaml", line: 2, column: 14)) {
            try fromPreset.check(live: false, outputPath: "-")
        }
        try fromPreset.check(live: false, outputPath: "out.mov")
    }

    @Test func scaleResizesFilesToEvenSizesKeepingTheShape() throws {
        #expect(ScaledSource.scaledSize(width: 96, height: 64, scale: 0.5) == (48, 32))
        #expect(ScaledSource.scaledSize(width: 1920, height: 1080, scale: 0.3) == (576, 324))
        #expect(ScaledSource.scaledSize(width: 5, height: 3, scale: 0.1) == (2, 2))
        #expect(ScaledSource.scaledSize(width: 64, height: 48, scale: 2) == (128, 96))
        let preset = try PipelinePreset.decode(yaml: "input: {scale: 0.5}\n", file: "p.yaml")
        let settings = PipelineSettings.merge(preset: preset, commandLine: [:])
        #expect(settings.scale == 0.5)
        #expect(PipelineSettings.merge(preset: nil, commandLine: ["input.scale": .number(1)]).scale == nil)
        #expect(throws: PresetError("input.scale applies to files; for a live input ask for the capture size (input.size, --size)",
                                    file: "p.yaml", line: 1, column: 16)) {
            try settings.check(live: true, outputPath: "o.mp4")
        }
        try settings.check(live: false, outputPath: "o.mp4")
    }

    @Test func captureFieldsAndDropOldestNeedALiveInput() throws {
        let preset = try PipelinePreset.decode(yaml: "input: {size: 320x240}\n", file: "p.yaml")
        let settings = PipelineSettings.merge(preset: preset, commandLine: [:])
        #expect(throws: PresetError("input.size applies to live inputs; give a camera (/dev/video0), add --live, or set input.live: true",
                                    file: "p.yaml", line: 1, column: 15)) {
            try settings.check(live: false, outputPath: "o.mp4")
        }
        try settings.check(live: true, outputPath: "o.mp4")
        let dropping = PipelineSettings.merge(preset: nil, commandLine: ["queues.policy": .text("drop-oldest")])
        #expect(throws: OptionError.self) { try dropping.check(live: false, outputPath: "o.mp4") }
        try dropping.check(live: true, outputPath: "o.mp4")
    }

    @Test(arguments: shippedPresets)
    func effectiveSettingsPrintAsYAMLThatLoadsAgain(path: String) throws {
        let preset = try PipelinePreset.load(path: path)
        let settings = PipelineSettings.merge(preset: preset, commandLine: [:])
        let effective = settings.effectivePreset(name: preset.name, description: preset.description)
        let reloaded = try PipelinePreset.decode(yaml: effective.yaml())
        #expect(reloaded.name == preset.name && reloaded.description == preset.description)
        #expect(reloaded.values == effective.values)
        let again = PipelineSettings.merge(preset: reloaded, commandLine: [:])
        #expect(again.styleSettings == settings.styleSettings)
        #expect(again.encoding == settings.encoding.filledIn)
        #expect(again.isLive == settings.isLive)
        #expect(again.queueCapacity(live: settings.isLive) == settings.queueCapacity(live: settings.isLive))
        #expect(again.queuePolicy(live: settings.isLive) == settings.queuePolicy(live: settings.isLive))
    }

    @Test func yamlTextIsQuotedWhereItWouldNotReadBack() throws {
        let preset = PipelinePreset(name: "true", description: "a: b # c \"d\"", values: ["encode.preset": .text("4")])
        let reloaded = try PipelinePreset.decode(yaml: preset.yaml())
        #expect(reloaded.name == "true" && reloaded.description == "a: b # c \"d\"")
        #expect(reloaded.values == ["encode.preset": .text("4")])
    }

    @Test func theSchemaDescribesEveryFieldAndNothingElse() throws {
        let data = Data(PresetSchema.json().utf8)
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(schema["$schema"] as? String == "http://json-schema.org/draft-07/schema#")
        #expect(schema["additionalProperties"] as? Bool == false)
        let sections = try #require(schema["properties"] as? [String: Any])
        #expect(Set(sections.keys) == Set(PresetField.sections + PresetField.topLevelKeys))
        for field in PresetField.all {
            let section = try #require(sections[field.section] as? [String: Any])
            #expect(section["additionalProperties"] as? Bool == false)
            let property = try #require((section["properties"] as? [String: Any])?[field.key] as? [String: Any], "\(field.path)")
            #expect(property["type"] != nil, "\(field.path)")
            #expect((property["description"] as? String)?.contains(field.option) == true, "\(field.path)")
            if case .choice(let words) = field.kind { #expect(property["enum"] as? [String] == words) }
        }
        let codec = try #require(((sections["encode"] as? [String: Any])?["properties"] as? [String: Any])?["crf"] as? [String: Any])
        #expect(codec["minimum"] as? Int == 0 && codec["maximum"] as? Int == 63)
    }

    @Test func theDocumentationCoversEveryFieldAndItsOption() throws {
        let docs = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("docs/presets.md"), encoding: .utf8)
        for field in PresetField.all {
            #expect(docs.contains("`\(field.path)`"), "docs/presets.md does not document \(field.path)")
            #expect(docs.contains("`\(field.option)"), "docs/presets.md does not name \(field.option)")
        }
        let readme = try String(contentsOf: Self.repositoryRoot.appendingPathComponent("pipelines/README.md"), encoding: .utf8)
        #expect(readme.contains("docs/presets.md"))
    }

    @Test func namesAreLookedUpInTheUsersFolderThenTheShippedOnes() throws {
        let root = try TestMedia.temporaryFolder()
        let config = "\(root)/config", checkout = "\(root)/checkout", install = "\(root)/prefix"
        for folder in ["\(config)/vidstyle/pipelines", "\(checkout)/pipelines", "\(install)/share/vidstyle/pipelines", "\(install)/bin"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for (folder, name) in [("\(config)/vidstyle/pipelines", "mine"), ("\(config)/vidstyle/pipelines", "shared"),
                               ("\(checkout)/pipelines", "shared"), ("\(checkout)/pipelines", "dev"),
                               ("\(install)/share/vidstyle/pipelines", "installed")] {
            try "stylize: {}\n".write(toFile: "\(folder)/\(name).yaml", atomically: false, encoding: .utf8)
        }
        let executable = URL(fileURLWithPath: "\(install)/bin/vidstyle")
        let locator = PresetLocator(environment: ["XDG_CONFIG_HOME": config, "HOME": "/nowhere"], currentFolder: checkout,
                                    executable: executable)
        #expect(try locator.locate("mine") == "\(config)/vidstyle/pipelines/mine.yaml")
        #expect(try locator.locate("shared") == "\(config)/vidstyle/pipelines/shared.yaml")
        #expect(try locator.locate("dev") == "\(checkout)/pipelines/dev.yaml")
        #expect(try locator.locate("installed") == "\(install)/share/vidstyle/pipelines/installed.yaml")
        #expect(try locator.locate("x/y.yaml") == "x/y.yaml")
        #expect(throws: PresetError.self) { try locator.locate("none") }
        let listed = locator.list()
        #expect(listed.map(\.name) == ["dev", "installed", "mine", "shared"])
        #expect(listed.map(\.place) == [.checkout, .shipped, .user, .user])
        #expect(listed[3].shadows == ["\(checkout)/pipelines/shared.yaml"])
        // Without XDG_CONFIG_HOME, ~/.config.
        let home = PresetLocator(environment: ["HOME": root], currentFolder: checkout, executable: executable)
        #expect(home.folders.first?.path == "\(root)/.config/vidstyle/pipelines")
    }
}

extension EncodingOptions {
    /// These options with the codec's defaults written in, as `presets show` prints them.
    var filledIn: EncodingOptions {
        var options = self
        options.crf = crf ?? (codec == .vp9 ? 32 : 20)
        options.preset = preset ?? (codec == .vp9 ? "8" : "veryfast")
        return options
    }
}
