import CV4L2
import Foundation

/// One open V4L2 capture device: what it offers, the mode it was set to, and its ring of
/// memory-mapped buffers.
///
/// Lifecycle, as in every V4L2 client: open and check the capabilities (`init`), list and
/// negotiate the format and rate (`describe`, `configure`), map and queue buffers and start
/// streaming (`start`), then dequeue a filled buffer (`dequeue`), use it and give it back
/// (`requeue`) until `stop`. Every call goes through a `V4L2Interface`, so the same code runs on
/// a real camera and on the fake one the tests script.
///
/// Not `Sendable`: the capture thread owns it.
public final class V4L2Camera {
    public let path: String
    /// The card name the driver reports.
    public let name: String
    public let driver: String
    public let bus: String
    /// The mode `configure` settled on.
    public private(set) var mode: CaptureMode?
    /// Bytes from one row to the next of a raw format, as the driver lays them out.
    public private(set) var bytesPerLine = 0

    private let io: V4L2Interface
    private var fd: Int32
    private var buffers: [(address: UnsafeMutableRawPointer, length: Int)] = []
    private var streaming = false

    /// A filled buffer, valid until it is given back with `requeue`.
    public struct Buffer {
        public var index: UInt32
        public var bytes: UnsafeRawBufferPointer
        public var sequence: UInt32
        /// The driver's capture time on `CLOCK_MONOTONIC` in nanoseconds, or nil where the driver
        /// stamps another clock (then the dequeue time is used).
        public var monotonicNanoseconds: UInt64?
        /// The driver flagged the picture as damaged.
        public var damaged: Bool
    }

    /// Opens `path` and checks that it can capture video by streaming.
    /// - Throws: `CameraError.noSuchDevice`, `.permissionDenied`, `.busy`, `.notVideoDevice`,
    ///   `.notCaptureDevice`.
    public init(path: String, interface io: V4L2Interface) throws(CameraError) {
        let fd = io.open(path, flags: O_RDWR | O_NONBLOCK)
        guard fd >= 0 else { throw CameraError.opening(path, errno: -fd) }
        guard let info = V4L2DeviceInfo.query(fd, io: io) else {
            io.close(fd)
            throw .notVideoDevice(path: path)
        }
        guard info.abilities & V4L2Constant.capVideoCapture != 0, info.abilities & V4L2Constant.capStreaming != 0 else {
            io.close(fd)
            throw .notCaptureDevice(path: path, name: info.name)
        }
        self.io = io
        self.fd = fd
        self.path = path
        self.name = info.name
        self.driver = info.driver
        self.bus = info.bus
    }

    deinit {
        stop()
        io.close(fd)
    }

    /// Everything the camera offers: each format with its sizes and rates.
    public func describe() -> CameraDescription {
        var formats: [CameraFormat] = []
        var index: UInt32 = 0
        while true {
            var desc = v4l2_fmtdesc()
            desc.index = index
            desc.type = V4L2Constant.bufTypeVideoCapture
            guard io.ioctl(fd, vs_vidioc_enum_fmt, &desc) == 0 else { break }
            let code = FourCC(rawValue: desc.pixelformat)
            formats.append(CameraFormat(name: code.userName, fourcc: code.description,
                                        description: V4L2Camera.string(&desc.description),
                                        compressed: desc.flags & V4L2Constant.fmtFlagCompressed != 0,
                                        emulated: desc.flags & V4L2Constant.fmtFlagEmulated != 0,
                                        sizes: sizes(of: code)))
            index += 1
            if index > 256 { break }
        }
        return CameraDescription(path: path, name: name, driver: driver, bus: bus, formats: formats)
    }

    private func sizes(of code: FourCC) -> [CameraFrameSize] {
        var sizes: [CameraFrameSize] = []
        var index: UInt32 = 0
        while index < 256 {
            var size = v4l2_frmsizeenum()
            size.index = index
            size.pixel_format = code.rawValue
            guard io.ioctl(fd, vs_vidioc_enum_framesizes, &size) == 0 else { break }
            if size.type == V4L2Constant.frameSizeDiscrete {
                let (w, h) = (Int(size.discrete.width), Int(size.discrete.height))
                sizes.append(CameraFrameSize(width: w, height: h, framesPerSecond: rates(of: code, width: w, height: h)))
            } else {
                // Continuous or stepwise: the ends of the range stand for it.
                let s = size.stepwise
                for (w, h) in [(Int(s.min_width), Int(s.min_height)), (Int(s.max_width), Int(s.max_height))] {
                    sizes.append(CameraFrameSize(width: w, height: h, framesPerSecond: rates(of: code, width: w, height: h)))
                }
                break
            }
            index += 1
        }
        return sizes
    }

    private func rates(of code: FourCC, width: Int, height: Int) -> [Double] {
        var rates: [Double] = []
        var index: UInt32 = 0
        while index < 256 {
            var interval = v4l2_frmivalenum()
            interval.index = index
            interval.pixel_format = code.rawValue
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            guard io.ioctl(fd, vs_vidioc_enum_frameintervals, &interval) == 0 else { break }
            if interval.type == V4L2Constant.frameIntervalDiscrete {
                let f = interval.discrete
                if f.numerator > 0 { rates.append(Double(f.denominator) / Double(f.numerator)) }
            } else {
                let fastest = interval.stepwise.min, slowest = interval.stepwise.max
                if fastest.numerator > 0 { rates.append(Double(fastest.denominator) / Double(fastest.numerator)) }
                if slowest.numerator > 0 { rates.append(Double(slowest.denominator) / Double(slowest.numerator)) }
                break
            }
            index += 1
        }
        return Array(Set(rates)).sorted(by: >)
    }

    /// Sets the camera to the best mode for `request` and reads back what the driver settled on.
    /// Drivers adjust a size they cannot give to the nearest they can; that is accepted only
    /// when the user named no size.
    /// - Throws: `CameraError.unsupported` (listing the offer), `.busy`, `.failed`.
    @discardableResult
    public func configure(_ request: CaptureRequest) throws(CameraError) -> CaptureMode {
        let offer = describe()
        let wanted = try CaptureMode.choose(from: offer.formats, request: request, path: path)
        let offers = offer.formats.map(\.summary).joined(separator: "; ")

        var format = v4l2_format()
        format.type = V4L2Constant.bufTypeVideoCapture
        format.fmt.pix.width = UInt32(wanted.width)
        format.fmt.pix.height = UInt32(wanted.height)
        format.fmt.pix.pixelformat = wanted.format.rawValue
        format.fmt.pix.field = V4L2Constant.fieldNone
        try check(io.ioctl(fd, vs_vidioc_s_fmt, &format), "setting the format")
        let got = FourCC(rawValue: format.fmt.pix.pixelformat)
        let (width, height) = (Int(format.fmt.pix.width), Int(format.fmt.pix.height))
        guard got == wanted.format else {
            throw .unsupported(path: path, asked: "the \(wanted.format.userName) format", offers: offers)
        }
        if (width != wanted.width || height != wanted.height) && request.width != nil {
            throw .unsupported(path: path, asked: "\(wanted.width)x\(wanted.height) (the driver gives \(width)x\(height))",
                               offers: offers)
        }
        guard width > 0, height > 0 else { throw .unsupported(path: path, asked: "a picture size", offers: offers) }
        bytesPerLine = Int(format.fmt.pix.bytesperline)

        var fps = wanted.framesPerSecond
        var parm = v4l2_streamparm()
        parm.type = V4L2Constant.bufTypeVideoCapture
        let (numerator, denominator) = V4L2Camera.fraction(forRate: fps)
        parm.parm.capture.timeperframe.numerator = numerator
        parm.parm.capture.timeperframe.denominator = denominator
        // Some drivers have no rate control at all; they run at their own rate.
        if io.ioctl(fd, vs_vidioc_s_parm, &parm) == 0 {
            let t = parm.parm.capture.timeperframe
            if t.numerator > 0 && t.denominator > 0 { fps = Double(t.denominator) / Double(t.numerator) }
            if let asked = request.framesPerSecond, abs(fps - asked) > asked * 0.005 {
                throw .unsupported(path: path, asked: "\(width)x\(height) at \(CameraFrameSize.format(asked)) fps "
                                   + "(the driver gives \(CameraFrameSize.format(fps)))", offers: offers)
            }
        }
        let settled = CaptureMode(format: got, width: width, height: height, framesPerSecond: fps)
        mode = settled
        return settled
    }

    /// Maps `count` driver buffers, queues them all and starts streaming.
    /// - Throws: `CameraError.busy` when another program streams from the camera, `.failed`.
    public func start(bufferCount: Int = 4) throws(CameraError) {
        precondition(mode != nil, "configure the camera before starting it")
        var request = v4l2_requestbuffers()
        request.count = UInt32(bufferCount)
        request.type = V4L2Constant.bufTypeVideoCapture
        request.memory = V4L2Constant.memoryMmap
        try check(io.ioctl(fd, vs_vidioc_reqbufs, &request), "requesting buffers")
        guard request.count >= 2 else {
            throw .failed(path: path, operation: "requesting buffers (got \(request.count))", errno: ENOMEM)
        }
        for index in 0..<request.count {
            var buffer = v4l2_buffer()
            buffer.index = index
            buffer.type = V4L2Constant.bufTypeVideoCapture
            buffer.memory = V4L2Constant.memoryMmap
            try check(io.ioctl(fd, vs_vidioc_querybuf, &buffer), "querying buffer \(index)")
            let length = Int(buffer.length)
            guard let address = io.mmap(fd, length: length, offset: Int(buffer.m.offset)) else {
                throw .failed(path: path, operation: "mapping buffer \(index)", errno: ENOMEM)
            }
            buffers.append((address, length))
            try check(io.ioctl(fd, vs_vidioc_qbuf, &buffer), "queueing buffer \(index)")
        }
        var type = Int32(V4L2Constant.bufTypeVideoCapture)
        try check(io.ioctl(fd, vs_vidioc_streamon, &type), "starting the stream")
        streaming = true
    }

    /// Waits up to `timeoutMilliseconds` for a filled buffer.
    /// - Returns: the buffer, or nil when none came in time.
    /// - Throws: `CameraError.lost` when the device is gone or failing (`ENODEV`, `EIO`...).
    public func dequeue(timeoutMilliseconds: Int32) throws(CameraError) -> Buffer? {
        let deadline = MonotonicClock.nanoseconds() + UInt64(max(0, timeoutMilliseconds)) * 1_000_000
        while true {
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return nil }
            let ready = io.poll(fd, timeoutMilliseconds: Int32((deadline - now) / 1_000_000) + 1)
            if ready == 0 { return nil }
            if ready < 0 { throw .lost(path: path, reason: V4L2Camera.lossReason(-ready)) }
            if Int16(truncatingIfNeeded: ready) & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                throw .lost(path: path, reason: "the device reported an error (unplugged?)")
            }
            var buffer = v4l2_buffer()
            buffer.type = V4L2Constant.bufTypeVideoCapture
            buffer.memory = V4L2Constant.memoryMmap
            let result = io.ioctl(fd, vs_vidioc_dqbuf, &buffer)
            if result == -EAGAIN { continue }
            if result < 0 { throw .lost(path: path, reason: V4L2Camera.lossReason(-result)) }
            guard Int(buffer.index) < buffers.count else {
                throw .lost(path: path, reason: "the driver returned an unknown buffer")
            }
            let mapped = buffers[Int(buffer.index)]
            let used = min(Int(buffer.bytesused), mapped.length)
            let clock = buffer.flags & V4L2Constant.bufFlagTimestampMask
            var stamp: UInt64?
            if clock == V4L2Constant.bufFlagTimestampMonotonic && (buffer.timestamp.tv_sec > 0 || buffer.timestamp.tv_usec > 0) {
                stamp = UInt64(buffer.timestamp.tv_sec) * 1_000_000_000 + UInt64(buffer.timestamp.tv_usec) * 1000
            }
            return Buffer(index: buffer.index, bytes: UnsafeRawBufferPointer(start: mapped.address, count: used),
                          sequence: buffer.sequence, monotonicNanoseconds: stamp,
                          damaged: buffer.flags & V4L2Constant.bufFlagError != 0)
        }
    }

    /// Gives a dequeued buffer back to the driver to fill again.
    /// - Throws: `CameraError.lost`.
    public func requeue(_ filled: Buffer) throws(CameraError) {
        var buffer = v4l2_buffer()
        buffer.index = filled.index
        buffer.type = V4L2Constant.bufTypeVideoCapture
        buffer.memory = V4L2Constant.memoryMmap
        let result = io.ioctl(fd, vs_vidioc_qbuf, &buffer)
        if result < 0 { throw .lost(path: path, reason: V4L2Camera.lossReason(-result)) }
    }

    /// Stops streaming and unmaps the buffers (also done by deinit).
    public func stop() {
        if streaming {
            var type = Int32(V4L2Constant.bufTypeVideoCapture)
            _ = io.ioctl(fd, vs_vidioc_streamoff, &type)
            streaming = false
        }
        guard !buffers.isEmpty else { return }
        for buffer in buffers { io.munmap(buffer.address, length: buffer.length) }
        buffers.removeAll()
        var request = v4l2_requestbuffers()
        request.type = V4L2Constant.bufTypeVideoCapture
        request.memory = V4L2Constant.memoryMmap
        _ = io.ioctl(fd, vs_vidioc_reqbufs, &request)
    }

    private func check(_ result: Int32, _ operation: String) throws(CameraError) {
        guard result < 0 else { return }
        if result == -EBUSY { throw .busy(path: path) }
        if result == -ENODEV || result == -EIO { throw .lost(path: path, reason: V4L2Camera.lossReason(-result)) }
        throw .failed(path: path, operation: operation, errno: -result)
    }

    /// What a mid-stream errno means for the user.
    static func lossReason(_ errno: Int32) -> String {
        switch errno {
        case ENODEV, ENXIO: "the device is gone (unplugged?)"
        case EIO: "input/output error (a failing camera, cable or USB port?)"
        default: String(cString: strerror(errno))
        }
    }

    /// The time per frame for `fps` as V4L2 wants it: 1/30, or 1001/30000 for NTSC's 29.97.
    static func fraction(forRate fps: Double) -> (UInt32, UInt32) {
        if fps == fps.rounded() { return (1, UInt32(fps)) }
        return (1000, UInt32((fps * 1000).rounded()))
    }

    /// A NUL-terminated C string stored in a fixed-size tuple field.
    static func string<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
