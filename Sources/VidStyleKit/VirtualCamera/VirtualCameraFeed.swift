import Foundation

/// The thread that keeps a virtual camera fed at the source's pace: a newly painted frame goes
/// out as soon as it is handed over, and at every tick of the source's frame clock on which
/// nothing went out since the previous tick, the last painted frame goes out again (black before
/// the first). So every frame period holds at least one frame and readers (a browser, OBS), which
/// expect a camera's steady rate, never starve while the stylizer is slower than the camera.
///
/// Three frame buffers, allocated once: the encode thread converts into `back` and hands it over
/// (`publish`, a pointer swap with `pending`); the writer takes `pending` as its `front` and
/// writes it, outside the lock. A write that fails (the device removed, its consumer gone) ends
/// the thread and is kept in `failure`.
final class VirtualCameraFeed: @unchecked Sendable {
    let output: V4L2Output
    let format: OutputFormat
    let statistics: VirtualCameraStatistics
    /// Where the encode thread converts the next frame; only it touches this buffer.
    private(set) var back: UnsafeMutablePointer<UInt8>
    private var pending: UnsafeMutablePointer<UInt8>
    private var front: UnsafeMutablePointer<UInt8>
    private let bufferSize: Int
    private let period: UInt64

    private let condition = NSCondition()
    private var hasNew = false
    private var pendingCapture: UInt64 = 0
    private var finished = false
    private var running = false
    private var failureValue: VirtualCameraError?
    private let done = DispatchSemaphore(value: 0)

    init(output: V4L2Output, format: OutputFormat, bufferSize: Int, statistics: VirtualCameraStatistics) {
        self.output = output
        self.format = format
        self.statistics = statistics
        self.bufferSize = bufferSize
        period = UInt64(1e9 / max(format.framesPerSecond, 1))
        func buffer() -> UnsafeMutablePointer<UInt8> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 64)
            return raw.initializeMemory(as: UInt8.self, repeating: 0, count: bufferSize)
        }
        back = buffer()
        pending = buffer()
        front = buffer()
        VirtualCameraFeed.fillBlack(front, format)
    }

    deinit {
        stop()
        for buffer in [back, pending, front] { UnsafeMutableRawPointer(buffer).deallocate() }
    }

    /// Black in the device's format: Y 16, chroma 128 (BT.601 limited range).
    static func fillBlack(_ buffer: UnsafeMutablePointer<UInt8>, _ format: OutputFormat) {
        if format.format == .yuv420 {
            let luma = format.bytesPerLine * format.height
            buffer.update(repeating: 16, count: luma)
            (buffer + luma).update(repeating: 128, count: format.imageSize - luma)
        } else {
            for i in 0..<format.imageSize { buffer[i] = i & 1 == 0 ? 16 : 128 }
        }
    }

    /// Why the device stopped taking frames, once it has.
    var failure: VirtualCameraError? {
        condition.lock(); defer { condition.unlock() }
        return failureValue
    }

    /// Starts the writer thread: black frames at the source's rate until the first painting.
    func start() {
        condition.lock()
        guard !running, !finished else { condition.unlock(); return }
        running = true
        condition.unlock()
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "vidstyle.camera"
        thread.start()
    }

    /// Hands the frame just converted into `back` to the writer; `captureTime` is its capture's.
    func publish(captureTime: UInt64) {
        condition.lock()
        swap(&back, &pending)
        if hasNew { statistics.recordSuperseded() }
        hasNew = true
        pendingCapture = captureTime
        condition.signal()
        condition.unlock()
    }

    /// Stops the writer thread and waits for it (idempotent).
    func stop() {
        condition.lock()
        let wasRunning = running && !finished
        finished = true
        condition.signal()
        condition.unlock()
        if wasRunning { done.wait() }
    }

    private func run() {
        var nextTick = MonotonicClock.nanoseconds()
        // Whether a painted frame went out since the last tick; each tick without one repeats.
        var paintedSinceTick = false
        var painted = false
        while true {
            condition.lock()
            while !hasNew && !finished {
                let now = MonotonicClock.nanoseconds()
                if now >= nextTick { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(nextTick - now) / 1e9))
            }
            if finished {
                condition.unlock()
                return
            }
            let fresh = hasNew
            let capture = pendingCapture
            if fresh {
                swap(&front, &pending)
                hasNew = false
            }
            condition.unlock()

            let now = MonotonicClock.nanoseconds()
            var delivery: VirtualCameraStatistics.Delivery?
            if fresh {
                delivery = .painted
                painted = true
            } else if !paintedSinceTick {
                // A tick with nothing new since the previous one.
                delivery = painted ? .repeated : .blank
            }
            if fresh { paintedSinceTick = true }
            if now >= nextTick {
                paintedSinceTick = false
                nextTick += period
                // A late wake-up (a busy machine) skips the ticks it missed rather than bursting.
                if nextTick <= now { nextTick = now + period }
            }
            guard let delivery else { continue }
            let error = output.write(front, count: format.imageSize)
            let written = MonotonicClock.nanoseconds()
            if error != 0 {
                let reason = VirtualCameraError.stopReason(error)
                statistics.recordStop(reason: reason, now: written)
                let counts = statistics.snapshot
                condition.lock()
                failureValue = .stopped(path: output.path, afterFrames: counts.delivered, seconds: counts.stoppedAfterSeconds ?? 0,
                                        reason: reason)
                condition.unlock()
                return
            }
            statistics.recordWrite(delivery, captureTime: fresh ? capture : 0, now: written)
        }
    }
}
