import ArgumentParser
import Foundation
import VidStyleKit

/// `vidstyle IN_FOLDER OUT_FOLDER`: one model load, then every file of the plan in turn.
///
/// A file that fails does not stop the rest (one bad clip should not cost a night's batch);
/// the exit status says that something failed. A stop drops the file being painted, so what
/// exists under OUT is always whole and a rerun picks up exactly where this one stopped.
extension StylizeCommand {
    var isFolderInput: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    func runFolder(stop: StopSignal) async throws {
        if verbose { FFmpegLogging.enableWarnings() }
        let merged = try mergedSettings()
        let plan = try FolderPlan(input: input, output: output, container: merged.given["encode.container"]?.value.text)
        let model: StyleModel
        do {
            model = try ModelOption.catalog(modelPath: merged.modelPath).model
            try merged.styleSettings.style.validate(styleCount: model.styles.count)
            _ = try merged.styleSettings.precision.resolved(for: model)
        } catch where stop.isRequested {
            throw InterruptedError()
        }
        let reporter = ProgressReporter(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let say: (String) -> Void = { line in if !quiet { reporter.printLine("vidstyle: " + line) } }
        let outRoot = URL(fileURLWithPath: output).standardized.path
        func shown(_ path: String) -> String { path.hasPrefix(outRoot + "/") ? String(path.dropFirst(outRoot.count + 1)) : path }

        for other in plan.others { say("skipped \(other): not a video or picture") }
        var failed = 0
        for clash in plan.clashes {
            failed += 1
            reporter.printLine("vidstyle: failed \(clash.item.relativePath): its output \(shown(clash.item.output)) is also "
                               + "\(clash.claimedBy)'s; rename one of them")
        }
        let pending = plan.items.filter { overwrite || !FileManager.default.fileExists(atPath: $0.output) }
        var progress = FolderProgress(totalBytes: pending.reduce(0) { $0 + $1.bytes }, filesTotal: pending.count)
        var done = 0, skipped = 0, itemFailures = 0, interrupted = false
        for item in plan.items {
            if stop.isRequested { interrupted = true; break }
            if !overwrite && FileManager.default.fileExists(atPath: item.output) {
                skipped += 1
                say("skipped \(item.relativePath): \(shown(item.output)) is already done")
                continue
            }
            let snapshot = progress
            let bytes = item.bytes
            do {
                try FileManager.default.createDirectory(atPath: (item.output as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                VideoWriter.removeStaleTemporaryFiles(for: item.output)
                let resolved = try resolve(outputFile: item.output)
                var job = StylizeJob(inputPath: item.input, outputPath: item.output, settings: resolved.settings.styleSettings,
                                     encoding: resolved.settings.encoding, overwrite: overwrite,
                                     queueDepth: resolved.settings.queueCapacity(live: false), scale: resolved.settings.scale)
                job.keepsStoppedOutput = false
                let summary = try await job.run(model: model, stop: stop, progress: { frames, total in
                    let share = total.map { $0 > 0 ? Double(frames) / Double($0) : 0 } ?? 0
                    reporter.reportOverall { snapshot.line(fraction: snapshot.fraction(currentBytes: bytes, currentDone: share), elapsed: $0) }
                })
                done += 1
                say(String(format: "done %@ -> %@: %d frames in %.1f s", item.relativePath, shown(item.output),
                           summary.frames, summary.seconds))
            } catch let error where stop.isRequested {
                _ = error
                say("stopped \(item.relativePath): nothing kept; running the same command again paints it")
                interrupted = true
                break
            } catch {
                itemFailures += 1
                reporter.printLine("vidstyle: failed \(item.relativePath): \(error)")
            }
            progress.filesFinished += 1
            progress.finishedBytes += bytes
            let now = progress
            reporter.reportOverall { now.line(fraction: now.fraction(), elapsed: $0) }
        }
        reporter.finish()
        failed += itemFailures
        let left = pending.count - done - itemFailures
        say("\(plan.items.count + plan.clashes.count) files: \(done) done, \(skipped) skipped (already done), \(failed) failed"
            + (plan.others.isEmpty ? "" : ", \(plan.others.count) not a video or picture"))
        if interrupted {
            FileHandle.standardError.write(Data("vidstyle: interrupted with \(max(left, 0)) file(s) left; run the same command again to resume\n".utf8))
            throw ExitCode(130)
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
