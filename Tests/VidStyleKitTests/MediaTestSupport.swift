import Foundation
import XCTest

/// Helpers for the media tests: make small clips with the ffmpeg CLI and probe results with
/// ffprobe, in a fresh temporary folder per test.
enum MediaTestSupport {
    struct ToolFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a tool from PATH and returns its stdout; throws with stderr when it fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailure(description: "\(tool) \(arguments.joined(separator: " ")) failed: "
                              + (String(data: errData, encoding: .utf8) ?? ""))
        }
        return String(data: outData, encoding: .utf8) ?? ""
    }

    /// `ffmpeg -v error -y ARGS`.
    static func ffmpeg(_ arguments: [String]) throws {
        try run("ffmpeg", ["-nostdin", "-v", "error", "-y"] + arguments)
    }

    /// `ffprobe -v error ARGS` output.
    static func ffprobe(_ arguments: [String]) throws -> String {
        try run("ffprobe", ["-v", "error"] + arguments)
    }

    /// One value per line for `-show_entries ENTRY -of csv=p=0` on the given stream selector.
    static func probeLines(_ file: String, stream: String, entries: String) throws -> [String] {
        try ffprobe(["-select_streams", stream, "-show_entries", entries, "-of", "csv=p=0", file])
            .split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// A new empty folder under the system temporary folder.
    static func makeTemporaryFolder(_ name: String = #function) throws -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let path = NSTemporaryDirectory() + "vidstyle-media-\(clean)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Names in `folder`, hidden ones included (to catch leftover temporary files).
    static func contents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
