import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle devices`: which cameras there are, and the formats, sizes and rates each gives,
/// so a user can pick `--size`, `--fps` and `--input-format` that the camera can deliver; and,
/// apart from them, the output devices (virtual cameras) OUT or `--to-camera` can feed.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the video capture devices (webcams) and what each offers, then the output devices (virtual cameras).")

    @Flag(help: "Print a JSON list with one object per device {kind (camera or output), path, name, driver, bus, formats}.")
    var json = false

    /// One entry of the JSON list: a camera or an output device, each carrying its `kind`.
    private enum Entry: Encodable {
        case camera(CameraDescription)
        case output(OutputDeviceDescription)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .camera(let camera): try camera.encode(to: encoder)
            case .output(let output): try output.encode(to: encoder)
            }
        }
    }

    func run() throws {
        let interface = try CameraCatalog.systemInterface()
        let (cameras, problems) = CameraCatalog.list(interface: interface)
        let outputs = OutputDeviceCatalog.list(interface: interface)
        for problem in problems { FileHandle.standardError.write(Data("vidstyle: \(problem)\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let entries = cameras.map(Entry.camera) + outputs.map(Entry.output)
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        if cameras.isEmpty {
            print("no video capture devices found (no usable /dev/video*); plug in a camera, or check that its driver is loaded")
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
        print("")
        guard !outputs.isEmpty else {
            print("no output devices (virtual cameras) found; to make one: modprobe v4l2loopback devices=1 video_nr=10 "
                  + "card_label=vidstyle exclusive_caps=1 (docs/usage.md, \"Virtual camera\")")
            return
        }
        print("output devices (virtual cameras; give one as OUT or --to-camera):")
        for output in outputs {
            print("\(output.path): \(output.name) (\(output.driver), \(output.bus))")
            print("  takes \(output.summary)")
            print("  " + (output.writes.map { "vidstyle writes \($0)" }
                          ?? "vidstyle cannot feed it: it takes none of \(V4L2Output.preferredFormats.map(\.userName).joined(separator: ", "))"))
        }
    }
}
