/// A bad option value or combination, told to the user in one line that says what to do.
public struct OptionError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
