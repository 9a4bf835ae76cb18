import CYaml

/// A first look at a preset's YAML, through libyaml's event parser, before anything builds a tree
/// of it: syntax errors with their line and column, nesting deeper than any preset needs, YAML
/// anchors and aliases, several documents, or too many nodes are refused here.
///
/// Why a separate pass: building the tree (Yams' composer) recurses once per nesting level, so a
/// file of a few thousand `[` overflows the stack and kills the process; and aliases let a small
/// file stand for an enormous one (the "billion laughs"). libyaml's event parser keeps its own
/// stack on the heap and reports events one at a time, so this pass runs in constant stack and in
/// memory proportional to the nesting it allows.
public enum PresetShapeCheck {
    /// Collections may nest this deep. A preset needs 2 (the file's mapping, a section's
    /// mapping); the margin only lets the later, precise check name the misplaced value.
    public static let maximumDepth = 16
    /// Nodes (scalars and collections) a preset may hold; the full format has about 25.
    public static let maximumNodes = 5_000

    /// Checks `yaml`; throws a `PresetError` with the line and column of the first problem.
    public static func check(_ yaml: String) throws(PresetError) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw PresetError("out of memory while reading the preset")
        }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(yaml.utf8)
        let count = bytes.count
        // libyaml reads the string in place while parsing: keep the bytes alive and unmoved.
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(PresetError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, count)
            try walk(&parser)
        }
    }

    private static func walk(_ parser: inout yaml_parser_t) throws(PresetError) {
        var depth = 0, nodes = 0, documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw syntaxError(parser)
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            var anchor: UnsafeMutablePointer<yaml_char_t>?
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw PresetError("more than one YAML document (a second ---); a preset is one mapping",
                                      line: line, column: column)
                }
            case YAML_ALIAS_EVENT:
                throw PresetError("YAML alias (*name) refused; presets allow no anchors or aliases, write the value out",
                                  line: line, column: column)
            case YAML_SCALAR_EVENT:
                anchor = event.data.scalar.anchor
                nodes += 1
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor
                    : event.data.mapping_start.anchor
                nodes += 1
                depth += 1
                if depth > maximumDepth {
                    throw PresetError("lists or mappings nested more than \(maximumDepth) levels deep; a preset is sections of key: value lines (see docs/presets.md)",
                                      line: line, column: column)
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                depth -= 1
            default:
                break
            }
            if anchor != nil {
                throw PresetError("YAML anchor (&name) refused; presets allow no anchors or aliases, write the value out",
                                  line: line, column: column)
            }
            if nodes > maximumNodes {
                throw PresetError("more than \(maximumNodes) values; a preset has a few dozen at most (see docs/presets.md)",
                                  line: line, column: column)
            }
        }
    }

    private static func syntaxError(_ parser: yaml_parser_t) -> PresetError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        if parser.error == YAML_READER_ERROR {
            return PresetError("not readable text (\(problem)); save it as UTF-8 text")
        }
        let context = parser.context.map { " " + String(cString: $0) } ?? ""
        let mark = parser.problem_mark
        return PresetError("invalid YAML: \(problem)\(context); fix the syntax (quote values that contain ': ' or start with a special character)",
                           line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
