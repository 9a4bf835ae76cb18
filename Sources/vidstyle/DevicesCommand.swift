import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle devices`: which cameras there are, and the formats, sizes and rates each gives,
/// so a user can pick `--size`, `--fps` and `--input-format` that the camera can deliver.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List the video capture devices (webcams) and what each offers.")

    @Flag(help: "Print a JSON list with one object per device {path, name, driver, bus, formats}.")
    var json = false

    func run() throws {
        let (cameras, problems) = CameraCatalog.list(interface: try CameraCatalog.systemInterface())
        for problem in problems { FileHandle.standardError.write(Data("vidstyle: \(problem)\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(cameras), as: UTF8.self))
            return
        }
        guard !cameras.isEmpty else {
            print("no video capture devices found (no usable /dev/video*); plug in a camera, or check that its driver is loaded")
            return
        }
        for camera in cameras {
            print("\(camera.path): \(camera.name) (\(camera.driver), \(camera.bus))")
            for format in camera.formats {
                var flags: [String] = []
                if format.compressed { flags.append("compressed") }
                if format.emulated { flags.append("converted by libv4l2") }
                let note = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
                print("  \(format.name)\(note): " + format.sizes.map(\.summary).joined(separator: ", "))
            }
        }
    }
}
