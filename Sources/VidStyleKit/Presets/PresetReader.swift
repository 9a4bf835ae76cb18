import Foundation
import Yams

/// Walks a preset's YAML tree against the field table, like a compiler's checker: every unknown
/// key, key given twice, misplaced list or mapping and out-of-range value stops it with the field's
/// path (`stylize.stlye`), the value, what is allowed and, for a typo, the nearest valid key.
///
/// It never descends into a value it does not expect, so a huge or deeply nested value under some
/// key costs nothing beyond the error.
struct PresetReader {
    let file: String?
    let folder: String?
    private(set) var name: String?
    private(set) var description: String?
    private(set) var settings: [String: PresetSetting] = [:]

    init(file: String?, folder: String?) {
        self.file = file
        self.folder = folder
    }

    mutating func read(_ root: Node.Mapping) throws(PresetError) {
        var seen: [String: Int] = [:]
        let topKeys = PresetField.topLevelKeys + PresetField.sections
        for (keyNode, value) in root {
            let key = try keyText(keyNode, seen: &seen, path: nil)
            switch key {
            case "name", "description":
                guard let scalar = value.scalar, !isNull(scalar) else {
                    throw error("\(key) must be text, not \(describe(value)); write e.g. \(key): \(key == "name" ? "my-preset" : "\"Soft painting for talks\"")", at: value)
                }
                let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw error("\(key) is empty; give it text or remove the line", at: value) }
                guard !text.contains("\n") else { throw error("\(key) must be one line", at: value) }
                if key == "name" { name = text } else { description = text }
            case _ where PresetField.sections.contains(key):
                try readSection(key, value)
            default:
                var message = "unknown key '\(key)'"
                if let field = PresetField.all.first(where: { $0.key == key }) {
                    message += " (did you mean '\(field.path)'? settings sit in sections, one per stage)"
                } else if let guess = PresetField.nearest(to: key, in: topKeys) {
                    message += " (did you mean '\(guess)'?)"
                }
                throw error(message + "; valid keys here are \(topKeys.joined(separator: ", "))", at: keyNode)
            }
        }
    }

    private mutating func readSection(_ section: String, _ node: Node) throws(PresetError) {
        if let scalar = node.scalar, isNull(scalar) { return }  // `stylize:` with nothing under it
        let fields = PresetField.fields(in: section)
        guard let mapping = node.mapping else {
            let typical = ["input": "live", "stylize": "style", "temporal": "smoothing", "encode": "codec", "audio": "mode", "queues": "capacity"]
            let example = fields.first { $0.key == typical[section] } ?? fields[0]
            throw error("\(section) must be a section of key: value lines, not \(describe(node)); write e.g. \(section): {\(example.key): \(example.example)}",
                        at: node)
        }
        var seen: [String: Int] = [:]
        for (keyNode, value) in mapping {
            let key = try keyText(keyNode, seen: &seen, path: section)
            guard let field = fields.first(where: { $0.key == key }) else {
                var message = "unknown key '\(section).\(key)'"
                if let guess = PresetField.nearest(to: key, in: fields.map(\.key)) {
                    message += " (did you mean '\(section).\(guess)'?)"
                } else if let elsewhere = PresetField.all.first(where: { $0.key == key }) {
                    message += " (did you mean '\(elsewhere.path)'?)"
                }
                throw error(message + "; valid keys in \(section) are \(fields.map(\.key).joined(separator: ", "))", at: keyNode)
            }
            guard let scalar = value.scalar else {
                throw error("\(field.path) must be \(field.allowed), not \(describe(value)); write e.g. \(field.key): \(field.example)", at: value)
            }
            if isNull(scalar) {
                throw error("\(field.path) is empty; give \(field.allowed) (e.g. \(field.key): \(field.example)) or remove the line", at: value)
            }
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            switch field.parse(scalar.string, quoted: quoted) {
            case .success(var parsed):
                if field.path == "stylize.model", case .text(let path) = parsed, !path.hasPrefix("/"), let folder {
                    parsed = .text(URL(fileURLWithPath: folder).appendingPathComponent(path).standardized.path)
                }
                settings[field.path] = PresetSetting(parsed, from: .file(file ?? "preset", line: value.mark?.line, column: value.mark?.column))
            case .failure(let problem):
                let shown = quoted ? "\"\(scalar.string)\"" : scalar.string
                var sentence = problem.sentence(for: field)
                if quoted, case .wrongType = problem, field.parse(scalar.string).isSuccess {
                    sentence = "is quoted text; write it without quotes (\(field.allowed))"
                }
                throw error("\(field.path) \(shown.prefix(60)) \(sentence)", at: value)
            }
        }
    }

    /// A mapping key as text, refusing keys that are not plain words and keys given twice.
    private func keyText(_ node: Node, seen: inout [String: Int], path: String?) throws(PresetError) -> String {
        guard let key = node.scalar?.string, !key.isEmpty else {
            throw error("keys must be plain words such as strength, not \(describe(node))", at: node)
        }
        let line = node.mark?.line ?? 0
        if let first = seen[key] {
            let full = path.map { "\($0).\(key)" } ?? key
            throw error("key '\(full)' is given twice (first on line \(first)); keep one", at: node)
        }
        seen[key] = line
        return key
    }

    private func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): isNull(scalar) ? "empty" : "the value '\(scalar.string.prefix(40))'"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    private func error(_ message: String, at node: Node) -> PresetError {
        PresetError(message, file: file, line: node.mark?.line, column: node.mark?.column)
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
