import Foundation

/// What `vidstyle IN_FOLDER OUT_FOLDER` will do, worked out before anything is painted: every
/// video and picture under IN (recursively) and the file it becomes under OUT, at the same
/// relative path.
///
/// Kinds are told by extension, not by opening each file, so a folder of thousands is planned
/// at once and the plan is the same on every run (a resumed run must pick the same outputs).
/// A file FFmpeg cannot read after all fails on its own line when its turn comes.
///
/// **Done means the final name exists.** A folder run writes each output under a temporary
/// name and renames it only once every frame is in it (and a stopped file is discarded, never
/// completed with the frames so far), so an output under its final name is always whole, and
/// a rerun skips it.
public struct FolderPlan: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case video, picture }

    public struct Item: Sendable, Equatable {
        /// The path below IN, as shown in messages.
        public var relativePath: String
        public var input: String
        public var output: String
        public var kind: Kind
        /// The input's size: the measure of work for the time left.
        public var bytes: Int64
    }

    /// Files to paint, in path order.
    public var items: [Item]
    /// Paths below IN that are neither video nor picture (by extension), listed as skipped.
    public var others: [String]
    /// Items whose output another item (earlier in path order) already claims, e.g. a.avi and
    /// a.mp4 both becoming a.mp4: each fails on its own line instead of overwriting the other.
    public var clashes: [Clash]

    public struct Clash: Sendable, Equatable {
        public var item: Item
        /// The relative path of the input that claimed the output first.
        public var claimedBy: String
    }

    static let videoExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "m2v", "ts", "mts",
                                               "m2ts", "flv", "wmv", "3gp", "ogv", "mxf", "y4m", "dv", "vob", "gif"]
    static let pictureExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"]
    /// Containers a video keeps when no `--container` is given; others become mp4.
    static let writableVideoExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm"]

    /// - Parameter container: `--container` (or the preset's `encode.container`): the
    ///   extension every video gets. Without it a video keeps its container where vidstyle
    ///   writes it (.mp4 .m4v .mov .mkv .webm) and becomes .mp4 otherwise; pictures stay .png
    ///   or .jpg, other pictures become .png.
    /// - Throws: `OptionError` for folders that overlap (`checkFolders`) or an unreadable IN.
    public init(input: String, output: String, container: String?) throws(OptionError) {
        try Self.checkFolders(input: input, output: output)
        let root = URL(fileURLWithPath: input).standardized.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw OptionError("input folder \(input) cannot be read")
        }
        var relatives: [String] = []
        while let next = walker.nextObject() as? String {
            let name = (next as NSString).lastPathComponent
            // Hidden files and folders (temporary files, .git) are not the user's media.
            if name.hasPrefix(".") {
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                continue
            }
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { continue }
            relatives.append(next)
        }
        relatives.sort()
        var items: [Item] = [], others: [String] = [], clashes: [Clash] = []
        var claimed: [String: String] = [:]
        for relative in relatives {
            let typed = (relative as NSString).pathExtension, ext = typed.lowercased()
            let kind: Kind
            if Self.videoExtensions.contains(ext) { kind = .video } else if Self.pictureExtensions.contains(ext) { kind = .picture } else {
                others.append(relative)
                continue
            }
            let outExt = Self.outputExtension(inputExtension: typed, kind: kind, container: container)
            let outRelative = ((relative as NSString).deletingPathExtension as NSString).appendingPathExtension(outExt) ?? relative
            let source = root + "/" + relative
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: source))?[.size] as? NSNumber)?.int64Value ?? 0
            let item = Item(relativePath: relative, input: source, output: URL(fileURLWithPath: output).standardized.path + "/" + outRelative,
                            kind: kind, bytes: bytes)
            if let earlier = claimed[item.output] {
                clashes.append(Clash(item: item, claimedBy: earlier))
            } else {
                claimed[item.output] = relative
                items.append(item)
            }
        }
        self.items = items
        self.others = others
        self.clashes = clashes
    }

    /// The extension as typed is kept where it stays (`c.MOV` becomes `c.MOV`).
    static func outputExtension(inputExtension typed: String, kind: Kind, container: String?) -> String {
        let ext = typed.lowercased()
        switch kind {
        case .picture:
            return ["png", "jpg", "jpeg"].contains(ext) ? typed : "png"
        case .video:
            if let container { return container }
            return writableVideoExtensions.contains(ext) ? typed : "mp4"
        }
    }

    /// Refuses IN and OUT that are the same folder or lie one inside the other: outputs would
    /// land among the inputs (and be painted again on the next run) or could replace them.
    public static func checkFolders(input: String, output: String) throws(OptionError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OptionError("input folder \(input) does not exist; check the path")
        }
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw OptionError("output \(output) is a file, but the input is a folder; give an output folder")
        }
        let inPath = realPath(input), outPath = realPath(output)
        if inPath == outPath {
            throw OptionError("output folder \(output) is the input folder; give another folder (outputs would mix with the inputs)")
        }
        if outPath.hasPrefix(inPath == "/" ? "/" : inPath + "/") {
            throw OptionError("output folder \(output) is inside the input folder \(input); give a folder outside it (outputs would be read as inputs)")
        }
        if inPath.hasPrefix(outPath == "/" ? "/" : outPath + "/") {
            throw OptionError("input folder \(input) is inside the output folder \(output); give an output folder outside it (outputs could replace inputs)")
        }
    }

    /// The path with every symbolic link of its existing part resolved, so two spellings of
    /// one folder compare equal even when OUT does not exist yet.
    static func realPath(_ path: String) -> String {
        var existing = URL(fileURLWithPath: path).standardized
        var rest: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        var resolved = existing.resolvingSymlinksInPath()
        for part in rest { resolved.appendPathComponent(part) }
        return resolved.standardized.path
    }
}
