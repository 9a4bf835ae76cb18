import Foundation

/// The preset format as a JSON Schema (draft-07, the one the YAML language server reads), made
/// from the same field table the reader checks with, so an editor completes and checks exactly
/// the fields vidstyle accepts.
///
/// Use it from an editor with a modeline at the top of a preset:
/// `# yaml-language-server: $schema=/path/to/vidstyle-preset.schema.json`.
public enum PresetSchema {
    /// The schema as a JSON object.
    public static func object() -> [String: Any] {
        var sections: [String: Any] = [
            "name": ["type": "string", "minLength": 1, "description": "Shown in the job summary; defaults to the file name."],
            "description": ["type": "string", "minLength": 1, "description": "One line, shown by `vidstyle presets`."],
        ]
        for section in PresetField.sections {
            var properties: [String: Any] = [:]
            for field in PresetField.fields(in: section) {
                properties[field.key] = property(for: field)
            }
            var schema: [String: Any] = ["type": ["object", "null"], "additionalProperties": false, "properties": properties]
            if section == "stylize" {
                schema["not"] = ["required": ["style", "mix"]]
            }
            sections[section] = schema
        }
        return [
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "vidstyle pipeline preset",
            "description": "One section per pipeline stage; every field is optional and has a command-line option of the same meaning (see docs/presets.md).",
            "type": "object",
            "additionalProperties": false,
            "properties": sections,
        ]
    }

    /// The schema as pretty-printed JSON text.
    public static func json() -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func property(for field: PresetField) -> [String: Any] {
        var schema: [String: Any]
        switch field.kind {
        case .boolean:
            schema = ["type": "boolean"]
        case .integer(let range):
            schema = ["type": "integer", "minimum": range.lowerBound, "maximum": range.upperBound]
        case .number(let minimum, let maximum, let exclusive):
            schema = ["type": "number", exclusive ? "exclusiveMinimum" : "minimum": minimum]
            if maximum < 1e9 { schema["maximum"] = maximum }
        case .choice(let words):
            schema = ["type": "string", "enum": words]
        case .text:
            // A vp9 speed is written as a bare number (`preset: 4`), which YAML reads as an integer.
            schema = field.path == "encode.preset" ? ["type": ["string", "integer"]] : ["type": "string", "minLength": 1]
        case .size:
            schema = ["type": "string", "pattern": "^[0-9]+[xX][0-9]+$"]
        case .mix:
            schema = ["type": "string", "pattern": "^ *[^ ,:]+ *: *[0-9.eE+-]+ *(, *[^ ,:]+ *: *[0-9.eE+-]+ *)*$"]
        case .style:
            schema = ["type": ["integer", "string"], "minimum": 0, "maximum": 4096, "minLength": 1]
        case .pixelFormatName:
            schema = ["type": "string", "minLength": 1]
        }
        schema["description"] = "\(field.summary) Command line: \(field.option). Default: \(field.defaultText)."
        if let value = field.defaultValue {
            switch value {
            case .integer(let number): schema["default"] = number
            case .number(let number): schema["default"] = number
            case .boolean(let flag): schema["default"] = flag
            case .text(let text): schema["default"] = text
            }
        }
        return schema
    }
}
