import Testing
@testable import VidStyleKit

/// The keys of a live recording without a terminal: bytes through `KeyDecoder`, keys into the
/// `LiveControls` cell, and what the cell hands the stylizer and the summary.
@Suite struct LiveControlsTests {
    func decode(_ text: String, flush: Bool = true) -> [LiveKey] {
        decode(Array(text.utf8), flush: flush)
    }

    func decode(_ bytes: [UInt8], flush: Bool = true) -> [LiveKey] {
        var decoder = KeyDecoder()
        var keys = bytes.compactMap { decoder.feed($0) }
        if flush, let key = decoder.flush() { keys.append(key) }
        return keys
    }

    func controls(_ style: StyleSelection = .single(0), styles: Int = 6) -> LiveControls {
        LiveControls(styleNames: (0..<styles).map { "s\($0)" },
                     initial: PaintSettings(style: style, strength: 1, preserveColor: false, smoothing: true))
    }

    @Test func everyKeyDecodes() {
        #expect(decode("0123456789") == (0...9).map { .style($0) })
        #expect(decode("mM+=-_cCsSqQ") == [.cycleMix, .cycleMix, .strengthUp, .strengthUp, .strengthDown, .strengthDown,
                                           .toggleColor, .toggleColor, .toggleSmoothing, .toggleSmoothing, .stop, .stop])
        #expect(decode("xyz \n\t").isEmpty)
    }

    @Test func aLoneEscStopsOnlyOnceNothingFollows() {
        var decoder = KeyDecoder()
        #expect(decoder.feed(0x1B) == nil)
        #expect(decoder.isWaiting)
        #expect(decoder.flush() == .stop)
        #expect(!decoder.isWaiting)
        #expect(decoder.flush() == nil)
    }

    @Test func escapeSequencesAreSwallowedWhole() {
        // Arrows (CSI and SS3 forms), F5, Delete, a bracketed paste start: none is a key, and
        // the letters inside them ('A', 'O', '1', '5') must not read as keys.
        let sequences: [[UInt8]] = [[0x1B, 0x5B, 0x41], [0x1B, 0x4F, 0x43], [0x1B, 0x5B, 0x31, 0x35, 0x7E],
                                    [0x1B, 0x5B, 0x33, 0x7E], [0x1B, 0x5B, 0x32, 0x30, 0x30, 0x7E]]
        for sequence in sequences {
            #expect(decode(sequence).isEmpty, "\(sequence)")
            #expect(decode(sequence + Array("2".utf8)) == [.style(2)], "\(sequence)")
        }
        // Alt+1 sends Esc 1 at once: the key, not a stop. Esc Esc: two lone Escs.
        #expect(decode([0x1B, UInt8(ascii: "1")]) == [.style(1)])
        #expect(decode([0x1B, 0x1B]) == [.stop, .stop])
    }

    @Test func digitsPickStylesTheModelHasAndIgnoreOthers() {
        let c = controls(styles: 4)
        #expect(c.handle(.style(3)) == .changed)
        #expect(c.current.paint.style == .single(3))
        #expect(c.handle(.style(7)) == .ignored("no style 7: this model has styles 0-3"))
        #expect(c.handle(.style(3)) == .ignored("no change"))
        #expect(c.current.paint.style == .single(3))
        #expect(c.generation == 1)
    }

    @Test func mStepsThroughTheMixThenTheWholeMixAgain() {
        let mix = StyleSelection.mix([.init(index: 1, weight: 0.7), .init(index: 4, weight: 0.3)])
        let c = controls(mix)
        var seen: [StyleSelection] = []
        for _ in 0..<6 {
            #expect(c.handle(.cycleMix) == .changed)
            seen.append(c.current.paint.style)
        }
        #expect(seen == [.single(1), .single(4), mix, .single(1), .single(4), mix])
    }

    @Test func mWithoutAMixStepsThroughEveryStyle() {
        let c = controls(.single(4), styles: 6)
        var seen: [StyleSelection] = []
        for _ in 0..<3 {
            c.handle(.cycleMix)
            seen.append(c.current.paint.style)
        }
        #expect(seen == [.single(5), .single(0), .single(1)])
    }

    @Test func strengthMovesByTenthsAndStopsAtTheEnds() {
        let c = controls()
        #expect(c.handle(.strengthUp) == .ignored("no change"))
        for _ in 0..<3 { c.handle(.strengthDown) }
        #expect(c.current.paint.strength == 0.7)
        for _ in 0..<20 { c.handle(.strengthDown) }
        #expect(c.current.paint.strength == 0)
        for _ in 0..<10 { c.handle(.strengthUp) }
        #expect(c.current.paint.strength == 1)
    }

    @Test func togglesAndStopAndTheStatusLine() {
        let c = controls(styles: 3)
        c.handle(.toggleColor)
        c.handle(.toggleSmoothing)
        c.handle(.strengthDown)
        #expect(c.current.paint == PaintSettings(style: .single(0), strength: 0.9, preserveColor: true, smoothing: false))
        #expect(c.statusText == "style 0 (s0)  strength 0.9  colour kept  smoothing off")
        #expect(c.handle(.stop) == .stop)
        #expect(c.generation == 3)
    }

    @Test func theSummaryListsWhatReachedThePictureAndHowManyFramesLater() {
        let c = controls(styles: 3)
        c.recordPainted()
        c.recordPainted()
        // Pressed after two painted frames; the third frame shows it: one frame after the key.
        c.handle(.style(2))
        c.handle(.strengthDown)
        c.recordApplied(c.current.paint, atSeconds: 0.1)
        c.recordPainted()
        // Pressed while the fourth frame was being painted: the fifth shows it.
        c.handle(.toggleColor)
        c.recordPainted()
        c.recordApplied(c.current.paint, atSeconds: 0.2)
        c.recordPainted()
        #expect(c.changes == [
            LiveChange(seconds: 0.1, description: "style 2 (s2), strength 0.9", paintedFramesAfterKey: 1),
            LiveChange(seconds: 0.2, description: "preserve colour on", paintedFramesAfterKey: 2),
        ])
    }
}
