import Foundation
import Yams

extension PipelinePreset {
    /// Reads and checks the preset at `path`. Every error is one line that names the file and,
    /// where the YAML gives it, the line, so the user can fix the file without guessing.
    public static func load(path: String) throws(PresetError) -> PipelinePreset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw PresetError("file does not exist; check the path, or give a NAME from pipelines/ (see pipelines/README.md)", file: path)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PresetError("cannot be read as UTF-8 text; check its permissions and encoding", file: path)
        }
        do {
            return try decode(yaml: text)
        } catch {
            var located = error
            located.file = path
            throw located
        }
    }

    /// Decodes a preset from YAML text. The text is parsed once into nodes to know where each key
    /// is (Codable errors carry a key path, not a position) and to catch what Codable cannot see:
    /// unknown keys listed with their line, and keys given twice.
    public static func decode(yaml: String) throws(PresetError) -> PipelinePreset {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw PresetError("is not valid YAML (\(error)); fix the syntax")
        }
        guard let root else {
            throw PresetError("is empty; a preset needs at least a name: line (see pipelines/README.md)")
        }
        guard let mapping = root.mapping else {
            throw PresetError("must be a mapping of key: value lines, like name: my-preset (see pipelines/README.md)",
                              line: root.mark?.line)
        }
        try checkKeys(of: mapping)
        do {
            return try YAMLDecoder().decode(PipelinePreset.self, from: yaml)
        } catch let error as PresetError {
            throw locate(error, in: mapping)
        } catch let error as DecodingError {
            throw locate(explain(error, in: mapping), in: mapping)
        } catch {
            throw PresetError("cannot be decoded (\(error)); see pipelines/README.md for the keys")
        }
    }

    /// Unknown keys, keys given twice and keys that are not plain words, each with its line.
    private static func checkKeys(of mapping: Node.Mapping) throws(PresetError) {
        var seen: [String: Int] = [:]
        for (keyNode, _) in mapping {
            let line = keyNode.mark?.line
            guard let key = keyNode.scalar?.string else {
                throw PresetError("keys must be plain words such as strength; see pipelines/README.md", line: line)
            }
            guard CodingKeys(stringValue: key) != nil else {
                throw PresetError(unknownKeyMessage(key), key: key, line: line)
            }
            if let first = seen[key] {
                throw PresetError("key '\(key)' is given twice (first on line \(first)); keep one", key: key, line: line)
            }
            seen[key] = line ?? 0
        }
    }

    /// A Codable error in the words of the preset file: which key, what it must hold, an example.
    private static func explain(_ error: DecodingError, in mapping: Node.Mapping) -> PresetError {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            guard let key = context.codingPath.first?.stringValue, let known = CodingKeys(stringValue: key) else {
                return PresetError("must be a mapping of key: value lines, like name: my-preset (see pipelines/README.md)")
            }
            let value = mapping[key].flatMap { $0.scalar?.string }
            let got = value.map { $0.isEmpty ? " (it is empty)" : " (got '\($0)')" } ?? " (got a list or mapping)"
            return PresetError("\(key) must be \(expectation(for: known))\(got); write e.g. \(key): \(example(for: known))", key: key)
        case .keyNotFound(let key, _):
            return PresetError("missing key '\(key.stringValue)'; every preset needs one, e.g. \(key.stringValue): my-preset")
        case .dataCorrupted(let context):
            if let inner = context.underlyingError as? PresetError { return inner }
            return PresetError("cannot be decoded (\(context.debugDescription)); see pipelines/README.md for the keys",
                               key: context.codingPath.first?.stringValue)
        @unknown default:
            return PresetError("cannot be decoded (\(error)); see pipelines/README.md for the keys")
        }
    }

    /// Adds the line of the error's key when the error does not have one yet.
    private static func locate(_ error: PresetError, in mapping: Node.Mapping) -> PresetError {
        guard error.line == nil, let key = error.key else { return error }
        var located = error
        located.line = mapping.first { $0.key.scalar?.string == key }?.key.mark?.line
        return located
    }

    private static func syntaxError(_ error: YamlError) -> PresetError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return PresetError("is not valid YAML: \(detail); fix the syntax (quote values that contain ': ' or start with a special character)",
                               line: mark.line, column: mark.column)
        case .reader(let problem, _, _, _):
            return PresetError("is not readable text: \(problem); save it as UTF-8")
        default:
            return PresetError("is not valid YAML; fix the syntax (see pipelines/README.md)")
        }
    }

    private static func expectation(for key: CodingKeys) -> String {
        switch key {
        case .style, .crf: return "a whole number"
        case .strength, .smoothing: return "a number from 0 to 1"
        case .preserveColor, .audio: return "true or false"
        case .mix: return "text like \"3:0.7,5:0.3\""
        case .name, .description, .codec, .preset: return "text"
        }
    }

    private static func example(for key: CodingKeys) -> String {
        switch key {
        case .name: return "my-preset"
        case .description: return "\"Soft painting for talks\""
        case .style: return "3"
        case .mix: return "\"3:0.7,5:0.3\""
        case .strength: return "0.7"
        case .preserveColor: return "true"
        case .smoothing: return "0.6"
        case .codec: return "vp9"
        case .crf: return "20"
        case .preset: return "medium"
        case .audio: return "false"
        }
    }
}
