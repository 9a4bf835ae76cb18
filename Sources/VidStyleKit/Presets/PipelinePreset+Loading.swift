import Foundation
import Yams

extension PipelinePreset {
    /// Files larger than this are refused unread: a preset is a few dozen lines, so a large file is
    /// the wrong file (or a hostile one), and reading it whole could exhaust memory.
    public static let maximumFileSize = 64 * 1024

    /// Reads and checks the preset at `path`. Every error is one line, `FILE:LINE:COLUMN: ...`, so
    /// the user can fix the file without guessing; nothing hostile in the file (deep nesting, aliases,
    /// a device that never ends) can crash the process or exhaust its memory.
    public static func load(path: String) throws(PresetError) -> PipelinePreset {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PresetError("does not exist; check the path, or give the NAME of a preset (`vidstyle presets` lists them)", file: path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            throw PresetError("is a folder; give a preset file (.yaml) or the NAME of a preset (`vidstyle presets` lists them)", file: path)
        case S_IFREG:
            break
        default:
            throw PresetError("is not a regular file; give a preset file (.yaml)", file: path)
        }
        if Int(info.st_size) > maximumFileSize {
            throw PresetError("is \(info.st_size) bytes; presets are at most \(maximumFileSize / 1024) KiB (a few dozen lines), so this is not a preset", file: path)
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PresetError("cannot be read; check its permissions", file: path)
        }
        defer { try? handle.close() }
        // Read no more than the limit even if the file grew since stat().
        let data: Data
        do {
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw PresetError("cannot be read (\(error.localizedDescription)); check the file", file: path)
        }
        guard data.count <= maximumFileSize else {
            throw PresetError("is over \(maximumFileSize / 1024) KiB; presets are a few dozen lines, so this is not a preset", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PresetError("is not UTF-8 text; save it as UTF-8", file: path)
        }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try decode(yaml: text, file: path, defaultName: stem, folder: folder)
        } catch {
            var located = error
            located.file = path
            throw located
        }
    }

    /// Reads a preset from YAML text.
    /// - Parameters:
    ///   - file: the file's name, recorded with each value so later errors can point at it.
    ///   - defaultName: the name when the preset gives none (the file name without .yaml).
    ///   - folder: where a relative `stylize.model` is taken from.
    public static func decode(yaml: String, file: String? = nil, defaultName: String = "preset",
                              folder: String? = nil) throws(PresetError) -> PipelinePreset {
        do {
            return try read(yaml: yaml, file: file, defaultName: defaultName, folder: folder)
        } catch {
            var located = error
            located.file = located.file ?? file
            throw located
        }
    }

    private static func read(yaml: String, file: String?, defaultName: String, folder: String?) throws(PresetError) -> PipelinePreset {
        // First a pass that cannot crash on hostile shapes; only then build a tree.
        try PresetShapeCheck.check(yaml)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw PresetError("invalid YAML (\(error)); fix the syntax")
        }
        guard let root else {
            throw PresetError("the file is empty; a preset holds sections such as stylize: (see docs/presets.md)")
        }
        guard let mapping = root.mapping else {
            throw PresetError("the file must be a mapping of sections (input:, stylize:, temporal:, encode:, audio:, queues:), not \(kindName(of: root)) (see docs/presets.md)",
                              line: root.mark?.line, column: root.mark?.column)
        }
        var reader = PresetReader(file: file, folder: folder)
        try reader.read(mapping)
        let preset = PipelinePreset(name: reader.name ?? defaultName, description: reader.description, settings: reader.settings)
        try preset.checkCombinations()
        return preset
    }

    /// Checks between fields of one preset: a style and a mix cannot both be given.
    func checkCombinations() throws(PresetError) {
        if let mix = settings["stylize.mix"], settings["stylize.style"] != nil {
            var error = PresetError("stylize.style and stylize.mix are both given; keep one (a mix can name a single style)")
            if case .file(let file, let line, let column) = mix.origin {
                error.file = file
                error.line = line
                error.column = column
            }
            throw error
        }
    }

    static func kindName(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): "the single value '\(scalar.string.prefix(40))'"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    private static func syntaxError(_ error: YamlError) -> PresetError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return PresetError("invalid YAML: \(detail); fix the syntax (quote values that contain ': ' or start with a special character)",
                               line: mark.line, column: mark.column)
        case .reader(let problem, _, _, _):
            return PresetError("not readable text: \(problem); save it as UTF-8")
        default:
            return PresetError("invalid YAML; fix the syntax (see docs/presets.md)")
        }
    }
}
