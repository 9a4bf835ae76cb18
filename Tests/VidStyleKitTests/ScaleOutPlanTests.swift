import Testing
@testable import VidStyleKit

/// The split, the part label and the job-file text, without rendering anything.
@Suite struct ScaleOutPlanTests {
    /// 25 frames at 10 ticks each, a keyframe every 10 frames.
    let index = FrameIndex(frames: (0..<25).map { Int64($0 * 10) },
                           keyframes: stride(from: 0, to: 25, by: 10).map { .init(pts: Int64($0 * 10), seekTime: Int64($0 * 10 - 1)) },
                           timeBase: Rational(num: 1, den: 100))

    @Test func partsCoverEveryFrameOnceAndDecodeFromAKeyframeBeforeTheirWarmUp() throws {
        let plan = PartPlan(index: index, warmup: 4)
        var next = 0
        for k in 1...4 {
            let range = try plan.range(of: PartNumber(index: k, count: 4))
            #expect(range.first == next)
            next = range.end
            #expect(range.startPts == index.frames[range.first])
            #expect(range.warmupFrames == min(4, range.first))
            #expect(range.warmStartPts == index.frames[range.first - range.warmupFrames])
            if range.first > 0 {
                // Keyframe at or before the first painted frame, aimed one tick early (its dts).
                let key = index.keyframes.last { $0.pts <= range.warmStartPts }!
                #expect(range.seekTime == key.seekTime)
            } else {
                #expect(range.seekTime == nil)
            }
            #expect(range.endPts == (range.end < 25 ? index.frames[range.end] : nil))
        }
        #expect(next == 25)
        #expect(throws: OptionError.self) { try PartPlan(index: index).range(of: PartNumber(index: 1, count: 26)) }
    }

    @Test func partNumbersAreCheckedAsTyped() throws {
        #expect(try PartNumber(parsing: "2/8") == PartNumber(index: 2, count: 8))
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"] {
            #expect(throws: OptionError.self) { try PartNumber(parsing: bad) }
        }
    }

    @Test func labelsRoundTripAndJunkIsNotALabel() throws {
        let label = PartLabel(part: try PartNumber(index: 2, count: 3), first: 8, end: 16, total: 25,
                              input: "00ff", settings: "abcd", audio: "copy")
        #expect(PartLabel(text: label.text) == label)
        #expect(PartLabel(text: "made by somebody") == nil)
        #expect(PartLabel(text: label.text.replacingOccurrences(of: "8-16", with: "16-8")) == nil)
        #expect(Fingerprint.of("a") != Fingerprint.of("b"))
        #expect(Fingerprint.of("same") == Fingerprint.of("same"))
    }

    @Test func commandsQuoteEveryWordAndNamePartsBesideTheOutput() {
        let commands = ScaleOutCommands(input: "/data/my film.mp4", output: "/data/out/film's.mkv", parts: 3,
                                        options: ["--style", "2", "--crf", "0"])
        #expect(commands.partPath(2) == "/data/out/film's.part2-of-3.mkv")
        #expect(commands.partCommand(2)
                == "vidstyle '/data/my film.mp4' '/data/out/film'\\''s.part'2-of-3.mkv --part 2/3 --style 2 --crf 0")
        #expect(commands.joinCommand.hasPrefix("vidstyle join '/data/my film.mp4' '/data/out/film'\\''s.mkv' "))
        let slurm = JobFileFormat.slurm.render(commands)
        #expect(slurm.contains("#SBATCH --array=1-3"))
        #expect(slurm.contains(commands.partCommand(index: "\"$SLURM_ARRAY_TASK_ID\"")))
        #expect(slurm.contains(commands.joinCommand))
        let parallel = JobFileFormat.parallel.render(commands)
        #expect(parallel.contains("::: 1 2 3 && " + commands.joinCommand))
    }
}
