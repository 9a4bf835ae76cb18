import Foundation

/// What learning a style needs besides vidstyle itself: a Python with PyTorch, the loss
/// network's weights and photographs to learn on. Made once, on first use, in the user's data
/// folder (`…/vidstyle/learning/`) by `setup_learning.sh`; afterwards learning works offline.
///
/// Each piece can be pointed elsewhere by an environment variable (`VIDSTYLE_LEARNING_PYTHON`,
/// `VIDSTYLE_LEARNING_VGG`, `VIDSTYLE_LEARNING_PHOTOS`), for a machine that already has them and
/// for the tests, which learn with a tiny loss network on a few generated pictures.
public struct LearningEnvironment: Sendable {
    /// A part of the environment that `setup_learning.sh` makes.
    public enum Piece: String, Sendable, CaseIterable {
        case python, vgg, photos

        /// What it is and how large, for the one line said before it is fetched.
        public var summary: String {
            switch self {
            case .python: return "PyTorch for the CPU (about 190 MB)"
            case .vgg: return "the VGG16 loss network's weights (about 60 MB)"
            case .photos: return "photographs to learn on (about 50 MB of Debian packages)"
            }
        }
    }

    public let folder: URL
    public let python: URL
    public let vgg: URL
    public let photos: URL
    /// The pieces given by environment variables, which the set-up leaves alone.
    private let overridden: Set<Piece>

    public init(folder: URL, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.folder = folder
        var overridden: Set<Piece> = []
        func path(_ variable: String, _ piece: Piece, default relative: String) -> URL {
            if let value = environment[variable], !value.isEmpty {
                overridden.insert(piece)
                return URL(fileURLWithPath: value)
            }
            return folder.appendingPathComponent(relative)
        }
        python = path("VIDSTYLE_LEARNING_PYTHON", .python, default: "venv/bin/python")
        vgg = path("VIDSTYLE_LEARNING_VGG", .vgg, default: "vgg16.ckpt")
        photos = path("VIDSTYLE_LEARNING_PHOTOS", .photos, default: "photos")
        self.overridden = overridden
    }

    /// The pieces still to be made (none once the set-up has run).
    public func missingPieces() -> [Piece] {
        let files = FileManager.default
        return Piece.allCases.filter { piece in
            switch piece {
            case .python:
                return overridden.contains(.python) ? !files.isExecutableFile(atPath: python.path)
                    : !files.fileExists(atPath: folder.appendingPathComponent("venv/.ready").path)
            case .vgg:
                return !files.fileExists(atPath: vgg.path)
            case .photos:
                return overridden.contains(.photos) ? !files.fileExists(atPath: photos.path)
                    : !files.fileExists(atPath: photos.appendingPathComponent(".ready").path)
            }
        }
    }

    /// Whether `piece` came from an environment variable (then a missing one is an error, not
    /// something to fetch).
    public func isOverridden(_ piece: Piece) -> Bool { overridden.contains(piece) }

    /// Makes the missing pieces with `setup_learning.sh` from `learner`, passing its lines on.
    /// - Throws: `OptionError` with the script's last line when it fails.
    public func setUp(_ pieces: [Piece], learner: URL, say: (String) -> Void) throws {
        if let given = pieces.first(where: { overridden.contains($0) }) {
            throw OptionError("\(given.summary) is not where the environment says (\(path(of: given).path)); fix or unset that variable")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let child = try ChildProcess(executable: "/bin/bash",
                                     arguments: [learner.appendingPathComponent(LearnerLocation.setupScriptName).path, folder.path]
                                         + pieces.map(\.rawValue),
                                     environment: ProcessInfo.processInfo.environment)
        var last = ""
        child.readLines { line in
            guard !line.isEmpty else { return }
            last = line
            if line.hasPrefix("setup: ") && line != "setup: done" { say(String(line.dropFirst(7))) }
        }
        let status = child.wait()
        guard status == 0 else {
            throw OptionError("setting up style learning in \(folder.path) failed: "
                              + (last.hasPrefix("setup: ") ? String(last.dropFirst(7)) : last) + "; run the same command again once fixed")
        }
    }

    private func path(of piece: Piece) -> URL {
        switch piece {
        case .python: return python
        case .vgg: return vgg
        case .photos: return photos
        }
    }
}
