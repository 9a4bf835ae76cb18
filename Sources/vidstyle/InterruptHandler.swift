import Dispatch
import Foundation
import VidStyleKit

/// Turns Ctrl-C and SIGTERM into a stop request, so the job finishes a playable file with the
/// frames done so far instead of dying with a half-written one.
final class InterruptHandler {
    private let sources: [DispatchSourceSignal]

    init(stop: StopSignal, quiet: Bool) {
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if !stop.isRequested {
                    FileHandle.standardError.write(Data("\nvidstyle: stopping; finishing the output with the frames done so far\n".utf8))
                }
                stop.request()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
