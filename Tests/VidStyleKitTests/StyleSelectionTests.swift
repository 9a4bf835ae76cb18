import Testing
@testable import VidStyleKit

@Suite struct StyleSelectionTests {
    @Test func singleStyleIsOneHot() {
        #expect(StyleSelection.single(2).weights(styleCount: 4) == [0, 0, 1, 0])
    }

    @Test func mixIsParsedAndNormalized() throws {
        let mix = try StyleSelection.parseMix("3:0.7, 1:0.7")
        #expect(mix.indices == [3, 1])
        #expect(mix.weights(styleCount: 4) == [0, 0.5, 0, 0.5])
    }

    @Test(arguments: ["3", "3:x", "a:1", "3:0.5,", "", "1:0,2:0", "1:-1"])
    func badMixIsRefused(text: String) {
        #expect(throws: OptionError.self) { try StyleSelection.parseMix(text) }
    }

    @Test func outOfRangeNamesTheValidRangeAndTheStylesCommand() {
        do {
            try StyleSelection.single(9).validate(styleCount: 9)
            Issue.record("style 9 of 9 was accepted")
        } catch {
            #expect(error.description.contains("0-8"))
            #expect(error.description.contains("vidstyle styles"))
            #expect(!error.description.contains("\n"))
        }
        #expect(throws: OptionError.self) { try StyleSelection.single(-1).validate(styleCount: 9) }
        #expect(throws: Never.self) { try StyleSelection.single(8).validate(styleCount: 9) }
    }

    @Test func settingsRangesAreChecked() {
        #expect(throws: OptionError.self) { try StyleSettings(strength: 1.5).validate() }
        #expect(throws: OptionError.self) { try StyleSettings(strength: -0.1).validate() }
        #expect(throws: OptionError.self) { try StyleSettings(smoothing: 2).validate() }
        #expect(throws: Never.self) { try StyleSettings(strength: 0, smoothing: 1).validate() }
    }
}
