import Foundation

/// A named, reusable set of pipeline settings, one section per stage (`input`, `stylize`,
/// `temporal`, `encode`, `audio`, `queues`), kept in a YAML file so a look that took a while to
/// tune can be used again, and shared, with one `--pipeline NAME`.
///
/// A preset fixes only what it names; the command line can still override each field
/// (`PipelineSettings.merge`). Values are checked as they are read, with the same table the
/// command-line options are checked with (`PresetField`), so a preset that loads is one that runs
/// (style indices are the exception: they depend on the model, checked when the job starts).
public struct PipelinePreset: Sendable, Equatable {
    /// What the preset is called; shown in the job summary. Defaults to the file name.
    public var name: String
    /// One line for `vidstyle presets` and for people reading the file.
    public var description: String?
    /// The settings it names, by field path (`stylize.strength`), with where each was written.
    public var settings: [String: PresetSetting]

    public init(name: String, description: String? = nil, settings: [String: PresetSetting] = [:]) {
        self.name = name
        self.description = description
        self.settings = settings
    }

    /// A preset made in code, every value marked as written in no file.
    public init(name: String, description: String? = nil, values: [String: PresetValue]) {
        self.init(name: name, description: description,
                  settings: values.mapValues { PresetSetting($0, from: .builtIn) })
    }

    /// The value of the field at `path`, if the preset names it.
    public subscript(path: String) -> PresetValue? {
        settings[path]?.value
    }

    /// The values alone, without where they came from.
    public var values: [String: PresetValue] { settings.mapValues(\.value) }

    /// The preset as YAML that reads back as the same preset: sections in pipeline order, each
    /// field in table order, a comment naming what each field is for.
    public func yaml() -> String {
        var lines = ["name: \(Self.quoted(name))"]
        if let description { lines.append("description: \(Self.quoted(description))") }
        for section in PresetField.sections {
            let fields = PresetField.fields(in: section).filter { settings[$0.path] != nil }
            guard !fields.isEmpty else { continue }
            lines.append("\(section):")
            for field in fields {
                guard let value = settings[field.path]?.value else { continue }
                let text: String = switch value {
                case .text(let words): Self.quoted(words)
                default: value.description
                }
                lines.append("  \(field.key): \(text)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text as a YAML scalar: plain where that reads back unchanged, else double-quoted.
    static func quoted(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "-_./ ".contains($0) }
        let looksTyped = ["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
            || Double(text) != nil || text.isEmpty || text.first == " " || text.last == " " || text.first == "-"
        if safe && !looksTyped { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 { escaped += String(format: "\\x%02X", scalar.value) } else { escaped.unicodeScalars.append(scalar) }
            }
        }
        return "\"\(escaped)\""
    }
}
