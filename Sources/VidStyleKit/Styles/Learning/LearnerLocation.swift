import Foundation

/// Where the learner's Python sources are: `learn_style.py`, its `vidstyle_tools` package and
/// `setup_learning.sh`.
///
/// `make install` puts them in `share/vidstyle/learning/` beside the binary; a build in a
/// checkout finds them in the checkout's `tools/`, by walking up from the executable.
/// `$VIDSTYLE_LEARNER_DIR` overrides both.
public enum LearnerLocation {
    public static let scriptName = "learn_style.py"
    public static let setupScriptName = "setup_learning.sh"

    /// The folder holding the learner, or nil with the places looked in.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<URL, LearnerNotFound> {
        var candidates: [URL] = []
        if let folder = environment["VIDSTYLE_LEARNER_DIR"], !folder.isEmpty {
            candidates.append(URL(fileURLWithPath: folder))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "vidstyle").resolvingSymlinksInPath()
        let binFolder = executable.deletingLastPathComponent()
        candidates.append(binFolder.appendingPathComponent("../share/vidstyle/learning").standardized)
        var folder = binFolder
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("tools"))
            folder = folder.deletingLastPathComponent()
        }
        for candidate in candidates
        where FileManager.default.isReadableFile(atPath: candidate.appendingPathComponent(scriptName).path)
            && FileManager.default.isReadableFile(atPath: candidate.appendingPathComponent(setupScriptName).path) {
            return .success(candidate)
        }
        return .failure(LearnerNotFound(searched: candidates.map(\.path)))
    }
}

/// The learner's sources are not where an installed or built vidstyle keeps them.
public struct LearnerNotFound: Error, CustomStringConvertible {
    public let searched: [String]
    public var description: String {
        "the style learner (\(LearnerLocation.scriptName)) is not installed beside vidstyle (looked in "
            + searched.joined(separator: ", ") + "); reinstall with `make install`, or set VIDSTYLE_LEARNER_DIR"
    }
}
