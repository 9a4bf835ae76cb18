/// Which painting style (or blend of styles) to paint with.
///
/// A blend mixes the conditional-instance-norm scale and shift parameters of the chosen styles
/// with the given weights, which is how one network paints in between its styles (Dumoulin et
/// al.); weights are normalized to sum to 1 so a mix never brightens or darkens the result.
public enum StyleSelection: Sendable, Equatable {
    case single(Int)
    case mix([StyleWeight])

    public struct StyleWeight: Sendable, Equatable {
        public let index: Int
        public let weight: Float
        public init(index: Int, weight: Float) {
            self.index = index
            self.weight = weight
        }
    }

    /// Parses a mix written as `3:0.7,5:0.3` (indices only).
    public static func parseMix(_ text: String) throws(OptionError) -> StyleSelection {
        try parseMix(text) { key throws(OptionError) in
            guard let index = Int(key) else { throw notPairs(text) }
            return index
        }
    }

    /// Parses a mix whose styles may be named, `starry-night:0.5,3:0.5`: `resolve` turns each
    /// style (an index or a name, as written) into its index, or throws saying why it cannot.
    public static func parseMix(_ text: String, resolve: (String) throws(OptionError) -> Int) throws(OptionError) -> StyleSelection {
        var parts: [StyleWeight] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: ":", omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].trimmingSpaces().isEmpty, let weight = Float(pair[1].trimmingSpaces()), weight.isFinite
            else {
                throw notPairs(text)
            }
            let index = try resolve(String(pair[0].trimmingSpaces()))
            guard weight >= 0 else {
                throw OptionError("--mix weight \(weight) for style \(pair[0].trimmingSpaces()) is negative; weights must be 0 or more")
            }
            parts.append(StyleWeight(index: index, weight: weight))
        }
        guard parts.contains(where: { $0.weight > 0 }) else {
            throw OptionError("--mix '\(text)' has no positive weight; give at least one style a weight above 0")
        }
        return .mix(parts)
    }

    private static func notPairs(_ text: String) -> OptionError {
        OptionError("--mix '\(text)' is not a list of STYLE:WEIGHT pairs (a style is its index or name); write it like --mix 3:0.7,5:0.3")
    }

    /// The style indices this selection names.
    public var indices: [Int] {
        switch self {
        case .single(let index): return [index]
        case .mix(let parts): return parts.map(\.index)
        }
    }

    /// Checks every index against the model's style count.
    public func validate(styleCount: Int) throws(OptionError) {
        for index in indices where index < 0 || index >= styleCount {
            throw OptionError("style \(index) is out of range: this model has styles 0-\(styleCount - 1); run `vidstyle styles` to list them")
        }
    }

    /// One weight per style of the model, summing to 1.
    public func weights(styleCount: Int) -> [Float] {
        var weights = [Float](repeating: 0, count: styleCount)
        switch self {
        case .single(let index):
            weights[index] = 1
        case .mix(let parts):
            for part in parts { weights[part.index] += part.weight }
            let total = weights.reduce(0, +)
            for i in weights.indices { weights[i] /= total }
        }
        return weights
    }
}

private extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
