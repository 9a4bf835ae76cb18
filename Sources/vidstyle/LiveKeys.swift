import Foundation
import Synchronization
import VidStyleKit

/// Keys while recording live from a terminal: 0-9 pick a style, m steps through the mix, +/-
/// change the strength, c and s toggle colour preservation and smoothing, q or Esc stop and
/// finish the file. The reader only writes into the job's `LiveControls`; the stylizer takes
/// the change at its next frame.
///
/// On only when standard input is a terminal this process may read (in the foreground, and not
/// the video input itself): otherwise nothing reads standard input at all.
final class LiveKeys: Sendable {
    let controls: LiveControls
    private let reader: TerminalKeyReader

    static let help = "keys: 0-9 style, m mix, +/- strength, c colour, s smoothing, q stop"

    /// Starts reading keys, or returns nil when standard input is not a terminal to read.
    static func start(model: StyleModel, settings: StyleSettings, input: MediaInput, stop: StopSignal,
                      quiet: Bool) -> LiveKeys? {
        guard input != MediaInput("-"), isatty(STDIN_FILENO) == 1 else { return nil }
        // A background job that touched the terminal would be stopped (SIGTTOU/SIGTTIN); a
        // terminal that is not our controlling one (tcgetpgrp fails) has no job control.
        let group = tcgetpgrp(STDIN_FILENO)
        guard group < 0 || group == getpgrp() else { return nil }
        let controls = LiveControls(styleNames: model.styles.map(\.name), initial: PaintSettings(settings))
        let box = FlagBox()
        do {
            let reader = try TerminalKeyReader(descriptor: STDIN_FILENO) { key in
                guard controls.handle(key) == .stop else { return }
                // A stop already under way (Ctrl-C) stays that stop.
                if !stop.isRequested && !box.flag.exchange(true, ordering: .relaxed) && !quiet {
                    FileHandle.standardError.write(Data("\nvidstyle: stopping; finishing the output with the frames done so far\n".utf8))
                }
                stop.request()
            }
            return LiveKeys(controls: controls, reader: reader, box: box)
        } catch {
            return nil
        }
    }

    private let box: FlagBox

    private init(controls: LiveControls, reader: TerminalKeyReader, box: FlagBox) {
        self.controls = controls
        self.reader = reader
        self.box = box
    }

    /// Prints the keys' help line the first time it is called.
    func announceOnce() {
        guard !box.announced.exchange(true, ordering: .relaxed) else { return }
        FileHandle.standardError.write(Data("vidstyle: \(Self.help)\n".utf8))
    }

    /// Whether q or Esc ended the recording (a normal end, unlike Ctrl-C).
    var stoppedByKey: Bool { box.flag.load(ordering: .relaxed) }

    /// Stops reading and gives the terminal its settings back.
    func finish() {
        reader.stop()
    }

    final class FlagBox: Sendable {
        let flag = Atomic<Bool>(false)
        let announced = Atomic<Bool>(false)
    }
}
