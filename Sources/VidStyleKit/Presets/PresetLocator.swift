import Foundation

/// Turns `--pipeline` into a file: a path is used as given; a bare NAME is looked up as
/// `pipelines/NAME.yaml` in the current folder (a checkout), then in
/// `../share/vidstyle/pipelines/` beside the executable (an install), so shipped presets work
/// from anywhere without typing their path.
public enum PresetLocator {
    /// The file to load for `nameOrPath`. A missing file is left for `PipelinePreset.load` to
    /// report; a NAME found nowhere is an error that lists where it looked.
    public static func locate(_ nameOrPath: String, currentFolder: String = FileManager.default.currentDirectoryPath,
                              executable: URL = executableURL()) throws(PresetError) -> String {
        guard isBareName(nameOrPath) else { return nameOrPath }
        let candidates = [
            URL(fileURLWithPath: currentFolder).appendingPathComponent("pipelines/\(nameOrPath).yaml").path,
            executable.deletingLastPathComponent()
                .appendingPathComponent("../share/vidstyle/pipelines/\(nameOrPath).yaml").standardized.path,
        ]
        if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) {
            return found
        }
        throw PresetError("not found (looked for \(candidates.joined(separator: " and "))); give the NAME of a file in pipelines/ or a path to a .yaml file",
                          file: nameOrPath)
    }

    /// A NAME has no folder part and no .yaml/.yml extension; anything else is a path.
    static func isBareName(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("/") && !text.hasSuffix(".yaml") && !text.hasSuffix(".yml")
    }

    /// The running executable, symlinks resolved, so an installed symlink in /usr/local/bin
    /// still finds `share/` beside the real binary.
    public static func executableURL() -> URL {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "vidstyle")).resolvingSymlinksInPath()
    }
}
