import Foundation

/// Where the user's own styles live: `$XDG_DATA_HOME/vidstyle/styles/` (by default
/// `~/.local/share/vidstyle/styles/`), a `NAME.safetensors` file per finished style.
///
/// A style being learned keeps its state in `styles/.learning/NAME/` until it is finished, and
/// only then is its file written (atomically), so an interrupted or failed learning can never
/// be listed or picked as a usable style. The learning environment (PyTorch, the loss network's
/// weights, the photographs) sits beside it in `vidstyle/learning/`, never in a checkout.
public struct UserStyleFolder: Sendable {
    /// `…/vidstyle`, the user's data folder for vidstyle.
    public let dataFolder: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base: URL
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = URL(fileURLWithPath: xdg)
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".local/share")
        }
        dataFolder = base.appendingPathComponent("vidstyle")
    }

    public var stylesFolder: URL { dataFolder.appendingPathComponent("styles") }
    /// Where the learning environment is set up on first use.
    public var learningFolder: URL { dataFolder.appendingPathComponent("learning") }

    /// The finished style file for `name`.
    public func file(for name: String) -> URL { stylesFolder.appendingPathComponent("\(name).safetensors") }

    /// The resumable state of `name` while it is being learned.
    public func workFolder(for name: String) -> URL {
        stylesFolder.appendingPathComponent(".learning").appendingPathComponent(name)
    }

    /// The finished style files, in name order (the order their indices follow the shipped ones).
    public func finishedFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stylesFolder.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { stylesFolder.appendingPathComponent($0) }
    }

    /// Names whose learning was started and not finished (interrupted, or still running).
    public func unfinishedNames() -> [String] {
        let folder = stylesFolder.appendingPathComponent(".learning")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }
}
