import Foundation

/// Turns `--pipeline` into a file. A path (anything with a `/` or ending in `.yaml`/`.yml`) is
/// used as given. A bare NAME is looked up, first match wins, in:
///
/// 1. the user's folder, `$XDG_CONFIG_HOME/vidstyle/pipelines` (else `~/.config/vidstyle/pipelines`),
///    so people keep their own presets, and can shadow a shipped one, without touching the install;
/// 2. `pipelines/` in the current folder (a checkout of vidstyle);
/// 3. `../share/vidstyle/pipelines/` beside the executable (an install, `make install`), so the
///    shipped presets work from anywhere with no setup.
public struct PresetLocator: Sendable {
    /// Where one folder of presets came from, for `vidstyle presets`.
    public enum Place: String, Sendable {
        case user, checkout, shipped
    }

    /// The folders searched, in order.
    public let folders: [(place: Place, path: String)]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                currentFolder: String = FileManager.default.currentDirectoryPath,
                executable: URL = PresetLocator.executableURL()) {
        var userFolder: String?
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            userFolder = config + "/vidstyle/pipelines"
        } else if let home = environment["HOME"], !home.isEmpty {
            userFolder = home + "/.config/vidstyle/pipelines"
        }
        var folders: [(Place, String)] = []
        if let userFolder { folders.append((.user, URL(fileURLWithPath: userFolder).standardized.path)) }
        folders.append((.checkout, URL(fileURLWithPath: currentFolder).appendingPathComponent("pipelines").standardized.path))
        folders.append((.shipped, executable.deletingLastPathComponent()
            .appendingPathComponent("../share/vidstyle/pipelines").standardized.path))
        self.folders = folders
    }

    /// The file to load for `nameOrPath`. A missing path is left for `PipelinePreset.load` to
    /// report; a NAME found nowhere is an error that lists where it looked.
    public func locate(_ nameOrPath: String) throws(PresetError) -> String {
        guard Self.isBareName(nameOrPath) else { return nameOrPath }
        for folder in folders {
            for ext in ["yaml", "yml"] {
                let candidate = "\(folder.path)/\(nameOrPath).\(ext)"
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        throw PresetError("no preset of that name (looked in \(folders.map(\.path).joined(separator: ", "))); `vidstyle presets` lists them, or give a path to a .yaml file",
                          file: nameOrPath)
    }

    /// One preset file found by `list()`.
    public struct Entry: Sendable {
        public var name: String
        public var path: String
        public var place: Place
        /// Where the same name is also found, hidden by this one.
        public var shadows: [String]
    }

    /// Every preset NAME can reach, first match per name (as `locate` would pick), by name.
    public func list() -> [Entry] {
        var entries: [String: Entry] = [:]
        for folder in folders {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                let name = (file as NSString).deletingPathExtension
                let path = "\(folder.path)/\(file)"
                if entries[name] != nil {
                    if entries[name]!.path != path { entries[name]!.shadows.append(path) }
                } else {
                    entries[name] = Entry(name: name, path: path, place: folder.place, shadows: [])
                }
            }
        }
        return entries.values.sorted { $0.name < $1.name }
    }

    /// A NAME has no folder part and no .yaml/.yml extension; anything else is a path.
    public static func isBareName(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("/") && !text.hasSuffix(".yaml") && !text.hasSuffix(".yml")
    }

    /// The running executable, symlinks resolved, so an installed symlink in /usr/local/bin
    /// still finds `share/` beside the real binary.
    public static func executableURL() -> URL {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "vidstyle")).resolvingSymlinksInPath()
    }
}
