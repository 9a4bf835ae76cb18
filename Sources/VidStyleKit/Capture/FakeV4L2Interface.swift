import CV4L2
import Foundation

/// `V4L2Interface` over scripted `FakeCamera`s: a driver in miniature that answers the same
/// ioctls a UVC webcam does (capabilities, format tables, `S_FMT` that adjusts the size to the
/// nearest it has, rate setting, mmap buffers, sequence numbers, monotonic timestamps) and fails
/// the way real ones do when told to (busy, unplugged, hung, damaged frames, EAGAIN).
///
/// It is the only way to run the capture code here (the kernel has no V4L2), and it stays in
/// the library, not the tests, so the command line can use it (`VIDSTYLE_FAKE_V4L2`).
///
/// Output devices (virtual cameras, `FakeOutputDevice`) sit beside the cameras: their ioctls and
/// `write`s go to a `FakeOutputStream` per open descriptor.
public final class FakeV4L2Interface: V4L2Interface, @unchecked Sendable {
    private let cameras: [FakeCamera]
    private let outputs: [FakeOutputDevice]
    private var open: [Int32: OpenDevice] = [:]
    private var openOutputs: [Int32: FakeOutputStream] = [:]
    private var nextDescriptor: Int32 = 100
    private let lock = NSLock()

    /// What happened on the devices, for tests to check.
    public private(set) var framesDelivered = 0
    public private(set) var closedDescriptors = 0

    private final class OpenDevice {
        let camera: FakeCamera
        var format: FourCC
        var width: Int
        var height: Int
        var fps: Double
        var buffers: [UnsafeMutableRawPointer] = []
        var bufferLength = 0
        var queued: [UInt32] = []
        var streaming = false
        var delivered = 0
        var sequence: UInt32 = 0
        var started: UInt64 = 0
        var eagainGiven = false
        let jpeg: [UInt8]

        init(camera: FakeCamera) {
            self.camera = camera
            let first = camera.formats.first
            format = first.flatMap { FourCC($0.fourcc) } ?? .yuyv
            width = first?.sizes.first?.width ?? 640
            height = first?.sizes.first?.height ?? 480
            fps = first?.sizes.first?.framesPerSecond.first ?? 30
            jpeg = camera.jpegPath.flatMap { FileManager.default.contents(atPath: $0) }.map { [UInt8]($0) } ?? []
        }

        deinit {
            for buffer in buffers { buffer.deallocate() }
        }

        var bytesPerLine: Int {
            (CaptureConverter.rawLayout(format)?.bytesPerPixel ?? 0) * width
        }

        var imageSize: Int {
            switch format {
            case .mjpeg, .jpeg: max(jpeg.count, width * height)
            case .nv12, .yuv420: bytesPerLine * height * 3 / 2
            default: bytesPerLine * height
            }
        }

        var period: UInt64 { UInt64(1_000_000_000 / max(fps, 1)) }
    }

    public init(cameras: [FakeCamera], outputs: [FakeOutputDevice] = []) {
        self.cameras = cameras
        self.outputs = outputs
    }

    /// Reads a JSON list of `FakeCamera`s and `FakeOutputDevice`s (the entries with
    /// `"output": true`).
    public convenience init(scenarioPath: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: scenarioPath))
        let entries = try JSONDecoder().decode([ScenarioEntry].self, from: data)
        self.init(cameras: entries.compactMap(\.camera), outputs: entries.compactMap(\.output))
    }

    /// One entry of a scenario file: a camera, or an output device when it says `"output": true`.
    private struct ScenarioEntry: Decodable {
        var camera: FakeCamera?
        var output: FakeOutputDevice?

        private enum Key: String, CodingKey { case output }

        init(from decoder: any Decoder) throws {
            let isOutput = try decoder.container(keyedBy: Key.self).decodeIfPresent(Bool.self, forKey: .output) ?? false
            if isOutput {
                output = try FakeOutputDevice(from: decoder)
            } else {
                camera = try FakeCamera(from: decoder)
            }
        }
    }

    public func devicePaths() -> [String] {
        (cameras.map(\.path) + outputs.map(\.path)).sorted()
    }

    public func open(_ path: String, flags: Int32) -> Int32 {
        lock.lock(); defer { lock.unlock() }
        let camera = cameras.first { $0.path == path }, output = outputs.first { $0.path == path }
        guard camera != nil || output != nil else { return -ENOENT }
        switch camera?.openError ?? output?.openError {
        case "EACCES": return -EACCES
        case "EBUSY": return -EBUSY
        case "ENOENT": return -ENOENT
        case "ENODEV": return -ENODEV
        default: break
        }
        nextDescriptor += 1
        if let camera {
            open[nextDescriptor] = OpenDevice(camera: camera)
        } else if let output {
            openOutputs[nextDescriptor] = FakeOutputStream(device: output)
        }
        return nextDescriptor
    }

    public func close(_ fd: Int32) {
        lock.lock(); defer { lock.unlock() }
        if open.removeValue(forKey: fd) != nil { closedDescriptors += 1 }
        if let stream = openOutputs.removeValue(forKey: fd) {
            closedDescriptors += 1
            stream.closeRecording()
        }
    }

    public func write(_ fd: Int32, _ bytes: UnsafeRawPointer, count: Int) -> Int {
        lock.lock()
        guard let stream = openOutputs[fd] else {
            let known = open[fd] != nil
            lock.unlock()
            // A capture device takes no frames.
            return known ? -Int(EINVAL) : -Int(EBADF)
        }
        lock.unlock()
        return stream.write(bytes, count: count)
    }

    public func mmap(_ fd: Int32, length: Int, offset: Int) -> UnsafeMutableRawPointer? {
        lock.lock(); defer { lock.unlock() }
        guard let device = open[fd], device.bufferLength > 0 else { return nil }
        let index = offset / device.bufferLength
        guard offset % device.bufferLength == 0, index < device.buffers.count, length <= device.bufferLength else { return nil }
        return device.buffers[index]
    }

    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) {}

    public func poll(_ fd: Int32, timeoutMilliseconds: Int32) -> Int32 {
        lock.lock()
        guard let device = open[fd] else { lock.unlock(); return -EBADF }
        let camera = device.camera
        if let unplug = camera.unplugAtFrame, device.delivered >= unplug { lock.unlock(); return Int32(POLLERR) }
        if let stall = camera.stallAtFrame, device.delivered >= stall {
            // A hung camera: nothing comes, so the wait runs to its timeout.
            lock.unlock()
            usleep(UInt32(max(0, timeoutMilliseconds)) * 1000)
            return 0
        }
        guard device.streaming, !device.queued.isEmpty else { lock.unlock(); return 0 }
        let due = device.started + UInt64(device.sequence) * device.period
        lock.unlock()
        if camera.realTime {
            let now = MonotonicClock.nanoseconds()
            if due > now {
                let wait = due - now
                if wait > UInt64(max(0, timeoutMilliseconds)) * 1_000_000 {
                    usleep(UInt32(max(0, timeoutMilliseconds)) * 1000)
                    return 0
                }
                usleep(UInt32(wait / 1000))
            }
        }
        return Int32(POLLIN)
    }

    public func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        lock.lock()
        if let stream = openOutputs[fd] {
            lock.unlock()
            return stream.ioctl(request, argument)
        }
        defer { lock.unlock() }
        guard let device = open[fd] else { return -EBADF }
        let camera = device.camera
        switch request {
        case vs_vidioc_querycap:
            V4L2DeviceInfo(name: camera.name, driver: "vidstyle-fake", bus: "fake:" + camera.path,
                           abilities: (camera.canCapture ? V4L2Constant.capVideoCapture : 0) | V4L2Constant.capStreaming)
                .fill(argument.assumingMemoryBound(to: v4l2_capability.self))
            return 0
        case vs_vidioc_enum_fmt:
            return V4L2DeviceInfo.describeFormat(argument.assumingMemoryBound(to: v4l2_fmtdesc.self), of: camera.formats,
                                                 bufferType: V4L2Constant.bufTypeVideoCapture)
        case vs_vidioc_enum_framesizes:
            let size = argument.assumingMemoryBound(to: v4l2_frmsizeenum.self)
            guard let format = camera.formats.first(where: { FourCC($0.fourcc)?.rawValue == size.pointee.pixel_format }),
                  Int(size.pointee.index) < format.sizes.count else { return -EINVAL }
            let s = format.sizes[Int(size.pointee.index)]
            size.pointee.type = V4L2Constant.frameSizeDiscrete
            size.pointee.discrete.width = UInt32(s.width)
            size.pointee.discrete.height = UInt32(s.height)
            return 0
        case vs_vidioc_enum_frameintervals:
            let interval = argument.assumingMemoryBound(to: v4l2_frmivalenum.self)
            guard let s = sizeEntry(camera, interval.pointee.pixel_format, Int(interval.pointee.width), Int(interval.pointee.height)),
                  Int(interval.pointee.index) < s.framesPerSecond.count else { return -EINVAL }
            let (numerator, denominator) = V4L2Camera.fraction(forRate: s.framesPerSecond[Int(interval.pointee.index)])
            interval.pointee.type = V4L2Constant.frameIntervalDiscrete
            interval.pointee.discrete.numerator = numerator
            interval.pointee.discrete.denominator = denominator
            return 0
        case vs_vidioc_g_fmt, vs_vidioc_s_fmt:
            let format = argument.assumingMemoryBound(to: v4l2_format.self)
            guard format.pointee.type == V4L2Constant.bufTypeVideoCapture else { return -EINVAL }
            if request == vs_vidioc_s_fmt {
                if camera.busy || device.streaming || !device.buffers.isEmpty { return -EBUSY }
                // As drivers do: an unknown format becomes the first, a size the nearest offered.
                let asked = FourCC(rawValue: format.pointee.fmt.pix.pixelformat)
                let entry = camera.formats.first { FourCC($0.fourcc) == asked } ?? camera.formats[0]
                let w = Int(format.pointee.fmt.pix.width), h = Int(format.pointee.fmt.pix.height)
                let nearest = entry.sizes.min { abs($0.width * $0.height - w * h) < abs($1.width * $1.height - w * h) }!
                device.format = FourCC(entry.fourcc)!
                device.width = nearest.width
                device.height = nearest.height
                if !nearest.framesPerSecond.contains(device.fps) { device.fps = nearest.framesPerSecond.first ?? 30 }
            }
            format.pointee.fmt.pix.pixelformat = device.format.rawValue
            format.pointee.fmt.pix.width = UInt32(device.width)
            format.pointee.fmt.pix.height = UInt32(device.height)
            format.pointee.fmt.pix.field = V4L2Constant.fieldNone
            format.pointee.fmt.pix.bytesperline = UInt32(device.bytesPerLine)
            format.pointee.fmt.pix.sizeimage = UInt32(device.imageSize)
            return 0
        case vs_vidioc_g_parm, vs_vidioc_s_parm:
            let parm = argument.assumingMemoryBound(to: v4l2_streamparm.self)
            if request == vs_vidioc_s_parm {
                let t = parm.pointee.parm.capture.timeperframe
                let rates = sizeEntry(camera, device.format.rawValue, device.width, device.height)?.framesPerSecond ?? [30]
                if t.numerator > 0 {
                    let asked = Double(t.denominator) / Double(t.numerator)
                    device.fps = rates.min { abs($0 - asked) < abs($1 - asked) } ?? asked
                }
            }
            let (numerator, denominator) = V4L2Camera.fraction(forRate: device.fps)
            parm.pointee.parm.capture.timeperframe.numerator = numerator
            parm.pointee.parm.capture.timeperframe.denominator = denominator
            return 0
        case vs_vidioc_reqbufs:
            let request = argument.assumingMemoryBound(to: v4l2_requestbuffers.self)
            if camera.busy { return -EBUSY }
            if device.streaming { return -EBUSY }
            for buffer in device.buffers { buffer.deallocate() }
            device.buffers = []
            device.queued = []
            let count = min(Int(request.pointee.count), 8)
            let pageSize = 4096
            device.bufferLength = (device.imageSize + pageSize - 1) / pageSize * pageSize
            for _ in 0..<count {
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: device.bufferLength, alignment: pageSize)
                buffer.initializeMemory(as: UInt8.self, repeating: 0, count: device.bufferLength)
                device.buffers.append(buffer)
            }
            request.pointee.count = UInt32(count)
            return 0
        case vs_vidioc_querybuf, vs_vidioc_qbuf:
            let buffer = argument.assumingMemoryBound(to: v4l2_buffer.self)
            let index = Int(buffer.pointee.index)
            guard index < device.buffers.count else { return -EINVAL }
            if let unplug = camera.unplugAtFrame, device.delivered >= unplug, request == vs_vidioc_qbuf { return -ENODEV }
            buffer.pointee.length = UInt32(device.bufferLength)
            buffer.pointee.m.offset = UInt32(index * device.bufferLength)
            if request == vs_vidioc_qbuf {
                guard !device.queued.contains(UInt32(index)) else { return -EINVAL }
                device.queued.append(UInt32(index))
            }
            return 0
        case vs_vidioc_streamon:
            guard !device.buffers.isEmpty else { return -EINVAL }
            device.streaming = true
            device.started = MonotonicClock.nanoseconds()
            return 0
        case vs_vidioc_streamoff:
            device.streaming = false
            device.queued = []
            return 0
        case vs_vidioc_dqbuf:
            return dequeue(device, argument.assumingMemoryBound(to: v4l2_buffer.self))
        default:
            return -ENOTTY
        }
    }

    private func dequeue(_ device: OpenDevice, _ buffer: UnsafeMutablePointer<v4l2_buffer>) -> Int32 {
        let camera = device.camera
        if let unplug = camera.unplugAtFrame, device.delivered >= unplug { return -ENODEV }
        if let stall = camera.stallAtFrame, device.delivered >= stall { return -EAGAIN }
        guard device.streaming, !device.queued.isEmpty else { return -EAGAIN }
        if let every = camera.eagainEvery, every > 0, device.delivered % every == 0, !device.eagainGiven {
            device.eagainGiven = true
            return -EAGAIN
        }
        device.eagainGiven = false
        if camera.sequenceGapsBefore.contains(device.delivered) { device.sequence += 1 }
        let index = device.queued.removeFirst()
        fill(device.buffers[Int(index)], device)
        let stamp = device.started + UInt64(device.sequence) * device.period
        buffer.pointee = v4l2_buffer()
        buffer.pointee.index = index
        buffer.pointee.type = V4L2Constant.bufTypeVideoCapture
        buffer.pointee.memory = V4L2Constant.memoryMmap
        buffer.pointee.bytesused = UInt32(device.format == .mjpeg || device.format == .jpeg ? device.jpeg.count : device.imageSize)
        buffer.pointee.length = UInt32(device.bufferLength)
        buffer.pointee.sequence = device.sequence
        buffer.pointee.flags = (camera.monotonicTimestamps ? V4L2Constant.bufFlagTimestampMonotonic : 0)
            | (camera.damagedFrames.contains(device.delivered) ? V4L2Constant.bufFlagError : 0)
        buffer.pointee.timestamp.tv_sec = Int(stamp / 1_000_000_000)
        buffer.pointee.timestamp.tv_usec = Int(stamp % 1_000_000_000 / 1000)
        device.sequence += 1
        device.delivered += 1
        framesDelivered += 1
        return 0
    }

    /// A picture that changes every frame: diagonal bands moving right, in the device's format.
    private func fill(_ buffer: UnsafeMutableRawPointer, _ device: OpenDevice) {
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        let shift = device.delivered * 4
        switch device.format {
        case .mjpeg, .jpeg:
            device.jpeg.withUnsafeBufferPointer { bytes.update(from: $0.baseAddress!, count: $0.count) }
        case .yuyv:
            for y in 0..<device.height {
                let row = bytes + y * device.bytesPerLine
                for x in 0..<device.width {
                    row[2 * x] = UInt8(truncatingIfNeeded: (x + y + shift) & 0xff) / 2 + 40
                    row[2 * x + 1] = x & 1 == 0 ? 90 : 170
                }
            }
        default:
            let count = device.imageSize
            for i in 0..<count { bytes[i] = UInt8(truncatingIfNeeded: (i / 3 + shift) & 0xff) }
        }
    }

    private func sizeEntry(_ camera: FakeCamera, _ fourcc: UInt32, _ width: Int, _ height: Int) -> CameraFrameSize? {
        camera.formats.first { FourCC($0.fourcc)?.rawValue == fourcc }?
            .sizes.first { $0.width == width && $0.height == height }
    }

    static func copy<T>(_ text: String, into field: inout T) {
        withUnsafeMutableBytes(of: &field) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let bytes = Array(text.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
        }
    }
}
