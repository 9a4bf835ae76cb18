/// The `vidstyle.architecture` metadata exactly as `tools/vidstyle_tools/architecture.py`
/// writes it; `StyleModel` turns it into checked `Layer`s.
///
/// Kept as a plain Codable mirror of the JSON (all per-op fields optional) so that decoding
/// never fails on a field that only some ops have, and validation can say which layer is wrong.
public struct ArchitectureRecord: Codable, Sendable, Equatable {
    public var name: String
    public var formatVersion: Int
    public var inputMultiple: Int
    public var layers: [LayerRecord]

    enum CodingKeys: String, CodingKey {
        case name
        case formatVersion = "format_version"
        case inputMultiple = "input_multiple"
        case layers
    }

    /// One layer record: `op` plus the fields that op uses.
    public struct LayerRecord: Codable, Sendable, Equatable {
        public var op: String
        public var name: String?
        public var `in`: Int?
        public var out: Int?
        public var kernel: Int?
        public var stride: Int?
        public var bias: Bool?
        /// "zeros" or "reflect" (format 2); absent means zeros.
        public var padding: String?
        public var channels: Int?
        public var relu: Bool?
        public var factor: Int?
    }
}
