import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle presets`: the pipeline presets `--pipeline NAME` can use, and where each was found.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List pipeline presets, show one's effective settings, or print the format's JSON Schema.",
        discussion: """
            A bare NAME is looked up in ~/.config/vidstyle/pipelines ($XDG_CONFIG_HOME/vidstyle/pipelines), \
            then pipelines/ in the current folder, then the shipped presets; the first match wins. \
            See docs/presets.md for every field.
            """,
        subcommands: [PresetsListCommand.self, PresetsShowCommand.self, PresetsSchemaCommand.self],
        defaultSubcommand: PresetsListCommand.self)
}

/// `vidstyle presets [list]`: one line per preset, with where it was found and its description.
struct PresetsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List every preset NAME can reach: name, where found, description.")

    func run() throws {
        let entries = PresetLocator().list()
        guard !entries.isEmpty else {
            print("no presets found; looked in \(PresetLocator().folders.map(\.path).joined(separator: ", "))")
            return
        }
        let nameWidth = max(4, entries.map(\.name.count).max() ?? 0)
        print("\("name".padded(nameWidth))  \("from".padded(8))  description")
        for entry in entries {
            let description: String
            do {
                let preset = try PipelinePreset.load(path: entry.path)
                description = preset.description ?? "(no description)"
            } catch {
                description = "(cannot be used: \(error))"
            }
            var line = "\(entry.name.padded(nameWidth))  \(entry.place.rawValue.padded(8))  \(description)  [\(entry.path)]"
            if !entry.shadows.isEmpty { line += " (hides \(entry.shadows.joined(separator: ", ")))" }
            print(line)
        }
    }
}

/// `vidstyle presets show NAME`: the settings a job with `--pipeline NAME` would use, as YAML
/// that loads again as a preset.
struct PresetsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a preset's effective settings (merged over the defaults) as YAML that loads again as a preset.")

    @Argument(help: ArgumentHelp("A preset NAME or .yaml file.", valueName: "name|file"))
    var preset: String

    func run() throws {
        let path = try PresetLocator().locate(preset)
        let loaded = try PipelinePreset.load(path: path)
        let settings = PipelineSettings.merge(preset: loaded, commandLine: [:])
        let effective = settings.effectivePreset(name: loaded.name, description: loaded.description)
        var text = "# \(loaded.name) (\(path)), every field with the value a job uses; a command-line option overrides its field\n"
        text += effective.yaml()
        let unset = PresetField.all.filter { effective[$0.path] == nil && !["stylize.style", "stylize.mix"].contains($0.path) }
        if !unset.isEmpty {
            text += "# decided when the job runs:\n"
            for field in unset { text += "#   \(field.path): \(field.defaultText)\n" }
        }
        print(text, terminator: "")
    }
}

/// `vidstyle presets schema`: the format as JSON Schema, for editors.
struct PresetsSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the preset format as a JSON Schema (for the YAML language server and other editors).")

    func run() throws {
        print(PresetSchema.json())
    }
}

private extension String {
    func padded(_ width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
}
