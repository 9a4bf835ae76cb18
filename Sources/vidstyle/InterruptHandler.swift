import Dispatch
import Foundation
import VidStyleKit

/// Turns Ctrl-C and SIGTERM into a stop request, so the job finishes a playable file with the
/// frames done so far instead of dying with a half-written one.
final class InterruptHandler {
    private let sources: [DispatchSourceSignal]

    /// - Parameter message: the line shown at the first Ctrl-C, saying what will be kept.
    init(stop: StopSignal, quiet: Bool,
         message: String = "stopping; finishing the output with the frames done so far") {
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if !stop.isRequested {
                    FileHandle.standardError.write(Data("\nvidstyle: \(message)\n".utf8))
                }
                stop.request()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// The job's stop signal. With `VIDSTYLE_TEST_STOP_DURING_OPEN=1` (for tests), FFmpeg's
    /// first poll of it, inside the input's open, sends this process SIGINT and waits until the
    /// handler has turned that into a stop: Ctrl-C during the open, checked without timing.
    static func makeStopSignal(environment: [String: String] = ProcessInfo.processInfo.environment) -> StopSignal {
        guard environment["VIDSTYLE_TEST_STOP_DURING_OPEN"] == "1" else { return StopSignal() }
        return StopSignal(onPoll: { stop in
            guard !stop.isRequested else { return }
            kill(getpid(), SIGINT)
            let deadline = Date().addingTimeInterval(5)
            while !stop.isRequested && Date() < deadline { usleep(1000) }
        })
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
