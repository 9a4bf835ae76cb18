import Foundation

/// Finds the model file to use: an explicit path, then `$VIDSTYLE_MODEL`, then the model that
/// ships beside the executable as a SwiftPM resource.
///
/// It looks the resource up itself instead of using `Bundle.module`, whose generated accessor
/// stops the process when the bundle is missing; a missing model must be a clear error instead.
public enum ModelLocator {
    public static let defaultFileName = "vidstyle-default.safetensors"
    static let resourceBundleName = "vidstyle_VidStyleKit.resources"

    /// The model file to load, or an error that says where it looked.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ModelLocatorError) -> URL {
        if let explicit {
            return URL(fileURLWithPath: explicit)
        }
        if let fromEnvironment = environment["VIDSTYLE_MODEL"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        let candidates = shippedModelCandidates()
        for candidate in candidates where FileManager.default.isReadableFile(atPath: candidate.path) {
            return candidate
        }
        throw ModelLocatorError(searched: candidates.map(\.path))
    }

    /// Where the shipped model may be: in the resource bundle beside the executable (as
    /// `swift build` lays it out, or its contents copied flat), or in `../share/vidstyle/`
    /// beside it (as `make install` lays it out).
    static func shippedModelCandidates() -> [URL] {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "vidstyle").resolvingSymlinksInPath()
        var folders = [executable.deletingLastPathComponent()]
        let main = Bundle.main.bundleURL
        if !folders.contains(main) { folders.append(main) }
        var candidates: [URL] = []
        for folder in folders {
            candidates.append(folder.appendingPathComponent(resourceBundleName).appendingPathComponent(defaultFileName))
            candidates.append(folder.appendingPathComponent(resourceBundleName).appendingPathComponent("Resources")
                .appendingPathComponent(defaultFileName))
            candidates.append(folder.appendingPathComponent("../share/vidstyle").appendingPathComponent(defaultFileName).standardized)
        }
        return candidates
    }
}

/// No model file was found where the shipped one should be.
public struct ModelLocatorError: Error, CustomStringConvertible {
    public let searched: [String]
    public var description: String {
        "no model file found (looked in \(searched.joined(separator: ", "))); pass --model FILE or set VIDSTYLE_MODEL"
    }
}
