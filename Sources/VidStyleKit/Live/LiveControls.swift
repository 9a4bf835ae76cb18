import Synchronization

/// The cell between the keys and the stylizer in a live recording: the keys write what to
/// paint (`PaintSettings`), the stylize stage reads it once per painted frame.
///
/// The terminal's reader thread only calls `handle(_:)`; `ControlledStylizer` checks
/// `generation` (one atomic load) before every frame and takes the new settings only when it
/// moved, so the per-frame cost is nothing and a change shows from the next painted frame.
/// Everything else is behind one lock. The stylizer reports each change it applied, with the
/// frame's recording time, for the summary (`changes`).
public final class LiveControls: Sendable {
    /// The model's style names, by index (the shipped styles, then the user's).
    public let styleNames: [String]
    /// What `m` steps through: each style of the job's mix alone, then the whole mix again.
    /// For a job with a single style, `m` steps through every style of the model instead.
    public let mix: StyleSelection

    private struct State {
        var paint: PaintSettings
        var generation: UInt64 = 0
        /// What the stylizer last applied (the summary describes the difference).
        var applied: PaintSettings
        /// Position in the mix's cycle: 0..<k a single style of the mix, k the whole mix.
        var mixStep: Int
        var painted = 0
        /// `painted` when the oldest key not yet applied was pressed.
        var pressedAtPainted: Int?
        var changes: [LiveChange] = []
    }

    private let state: Mutex<State>
    private let published = Atomic<UInt64>(0)

    public init(styleNames: [String], initial: PaintSettings) {
        self.styleNames = styleNames
        mix = initial.style
        let steps = Self.mixSteps(initial.style)
        state = Mutex(State(paint: initial, applied: initial, mixStep: steps.count - 1))
    }

    /// What happened to a key.
    public enum Outcome: Sendable, Equatable {
        /// The settings changed; the next painted frame shows it.
        case changed
        /// The key asks to stop the recording (q, Esc); the caller stops it.
        case stop
        /// Nothing to do, and why (a style the model does not have).
        case ignored(String)
    }

    /// Applies a key to the settings. Called from the key reader's thread.
    @discardableResult
    public func handle(_ key: LiveKey) -> Outcome {
        if key == .stop { return .stop }
        let count = styleNames.count
        return state.withLock { s -> Outcome in
            var paint = s.paint
            switch key {
            case .style(let index):
                guard index < count else {
                    return .ignored("no style \(index): this model has styles 0-\(count - 1)")
                }
                paint.style = .single(index)
            case .cycleMix:
                let steps = Self.mixSteps(mix)
                if steps.count > 1 {
                    s.mixStep = (s.mixStep + 1) % steps.count
                    paint.style = steps[s.mixStep]
                } else {
                    let current: Int
                    if case .single(let index) = paint.style { current = index } else { current = -1 }
                    paint.style = .single((current + 1) % max(1, count))
                }
            case .strengthUp, .strengthDown:
                let step: Float = key == .strengthUp ? 0.1 : -0.1
                // Tenths, so ten presses land exactly on 0 or 1.
                paint.strength = max(0, min(1, ((paint.strength + step) * 10).rounded() / 10))
            case .toggleColor:
                paint.preserveColor.toggle()
            case .toggleSmoothing:
                paint.smoothing.toggle()
            case .stop:
                return .stop
            }
            guard paint != s.paint else { return .ignored("no change") }
            s.paint = paint
            s.generation += 1
            if s.pressedAtPainted == nil { s.pressedAtPainted = s.painted }
            published.store(s.generation, ordering: .releasing)
            return .changed
        }
    }

    /// The styles `m` steps through for a mix: each one alone, then the whole mix.
    static func mixSteps(_ selection: StyleSelection) -> [StyleSelection] {
        guard case .mix(let parts) = selection else { return [selection] }
        var seen: [Int] = []
        for part in parts where part.weight > 0 && !seen.contains(part.index) { seen.append(part.index) }
        guard seen.count > 1 else { return [selection] }
        return seen.map { .single($0) } + [selection]
    }

    /// Moves with every change; the stylizer compares it with the generation it applied.
    public var generation: UInt64 { published.load(ordering: .acquiring) }

    /// The settings to paint with and their generation.
    public var current: (paint: PaintSettings, generation: UInt64) {
        state.withLock { ($0.paint, $0.generation) }
    }

    /// Called by the stylizer when it starts painting with `paint` at recording time `seconds`.
    func recordApplied(_ paint: PaintSettings, atSeconds seconds: Double) {
        state.withLock { s in
            let text = describeChange(from: s.applied, to: paint)
            s.applied = paint
            let after = s.pressedAtPainted.map { s.painted + 1 - $0 } ?? 1
            s.pressedAtPainted = nil
            guard !text.isEmpty else { return }
            s.changes.append(LiveChange(seconds: seconds, description: text, paintedFramesAfterKey: after))
        }
    }

    /// Called by the stylizer after every painted frame.
    func recordPainted() {
        state.withLock { $0.painted += 1 }
    }

    /// Frames painted so far.
    public var painted: Int { state.withLock { $0.painted } }

    /// The changes that reached the picture, in order.
    public var changes: [LiveChange] { state.withLock { $0.changes } }

    /// "style 2 (mosaic)  strength 0.8", for the status line.
    public var statusText: String {
        let paint = state.withLock { $0.paint }
        var text = describe(paint.style) + String(format: "  strength %.1f", paint.strength)
        if paint.preserveColor { text += "  colour kept" }
        if !paint.smoothing { text += "  smoothing off" }
        return text
    }

    /// "style 2 (mosaic)" or "mix 1 (a):0.5,3 (b):0.5".
    public func describe(_ selection: StyleSelection) -> String {
        func name(_ index: Int) -> String {
            index >= 0 && index < styleNames.count ? "\(index) (\(styleNames[index]))" : "\(index)"
        }
        switch selection {
        case .single(let index): return "style " + name(index)
        case .mix(let parts): return "mix " + parts.map { name($0.index) + ":\($0.weight)" }.joined(separator: ",")
        }
    }

    private func describeChange(from old: PaintSettings, to new: PaintSettings) -> String {
        var parts: [String] = []
        if old.style != new.style { parts.append(describe(new.style)) }
        if old.strength != new.strength { parts.append(String(format: "strength %.1f", new.strength)) }
        if old.preserveColor != new.preserveColor { parts.append("preserve colour " + (new.preserveColor ? "on" : "off")) }
        if old.smoothing != new.smoothing { parts.append("smoothing " + (new.smoothing ? "on" : "off")) }
        return parts.joined(separator: ", ")
    }
}
