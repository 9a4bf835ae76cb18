/// Where a setting's value came from, so that a problem found only when settings meet (an
/// encoder preset the chosen codec does not know) is told in the words the user wrote: the
/// option on the command line, or the key and place in the preset file.
public enum PresetValueOrigin: Sendable, Equatable {
    /// The built-in default.
    case builtIn
    /// A command-line option.
    case commandLine
    /// A preset file, with the 1-based line and column of the value.
    case file(String, line: Int?, column: Int?)
}

/// A value and where it came from.
public struct PresetSetting: Sendable, Equatable {
    public var value: PresetValue
    public var origin: PresetValueOrigin

    public init(_ value: PresetValue, from origin: PresetValueOrigin) {
        self.value = value
        self.origin = origin
    }
}
