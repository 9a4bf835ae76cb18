import CV4L2
import Foundation

/// One open V4L2 output device, such as a v4l2loopback virtual camera: what it takes, the
/// format it was set to, and `write`, one whole frame per call.
///
/// Lifecycle, as every V4L2 writer's (ffmpeg's v4l2 output device, GStreamer's v4l2sink): open
/// and check that it is an output device taking `write()` (`init`), list what it accepts
/// (`describe`), set the format on the OUTPUT buffer type (`VIDIOC_S_FMT`) and the frame rate
/// readers are told (`VIDIOC_S_PARM`) (`configure`), then `write` frames. A loopback hands each
/// written frame to whoever reads the node (a browser, OBS) and stamps it itself. Every call goes
/// through a `V4L2Interface`, so the same code runs on a real loopback and on the fake one the
/// tests script.
///
/// Not `Sendable`: one thread (the virtual camera's writer) owns it.
public final class V4L2Output {
    /// What vidstyle writes, best first: packed YUYV and planar I420 are what browsers, OBS and
    /// video-call programs take from a webcam; both are BT.601 limited range, as webcams send.
    public static let preferredFormats: [FourCC] = [.yuyv, .yuv420]

    public let path: String
    /// The card name the driver reports (v4l2loopback's `card_label`).
    public let name: String
    public let driver: String
    public let bus: String
    public private(set) var format: OutputFormat?

    private let io: V4L2Interface
    private let fd: Int32

    /// Opens `path` and checks that it is a video output device that takes `write()`.
    /// - Throws: `VirtualCameraError.noSuchDevice`, `.permissionDenied`, `.busy`,
    ///   `.notVideoDevice`, `.notOutputDevice`, `.cannotWrite`.
    public init(path: String, interface io: V4L2Interface) throws(VirtualCameraError) {
        let fd = io.open(path, flags: O_RDWR)
        guard fd >= 0 else { throw VirtualCameraError.opening(path, errno: -fd) }
        guard let info = V4L2DeviceInfo.query(fd, io: io) else {
            io.close(fd)
            throw .notVideoDevice(path: path)
        }
        guard info.abilities & V4L2Constant.capVideoOutput != 0 else {
            io.close(fd)
            throw .notOutputDevice(path: path, name: info.name)
        }
        guard info.abilities & V4L2Constant.capReadWrite != 0 else {
            io.close(fd)
            throw .cannotWrite(path: path, name: info.name)
        }
        self.io = io
        self.fd = fd
        self.path = path
        self.name = info.name
        self.driver = info.driver
        self.bus = info.bus
    }

    deinit {
        io.close(fd)
    }

    /// The pixel formats it lists for its OUTPUT side.
    private func offeredFormats() -> [(code: FourCC, description: String, compressed: Bool)] {
        var formats: [(FourCC, String, Bool)] = []
        for index in UInt32(0)..<256 {
            var desc = v4l2_fmtdesc()
            desc.index = index
            desc.type = V4L2Constant.bufTypeVideoOutput
            guard io.ioctl(fd, vs_vidioc_enum_fmt, &desc) == 0 else { break }
            formats.append((FourCC(rawValue: desc.pixelformat), V4L2Camera.string(&desc.description),
                            desc.flags & V4L2Constant.fmtFlagCompressed != 0))
        }
        return formats
    }

    /// Everything it takes: each format with its sizes.
    public func describe() -> OutputDeviceDescription {
        var anySize = false
        let formats = offeredFormats().map { offer in
            var sizes: [CameraFrameSize] = []
            for index in UInt32(0)..<256 {
                var size = v4l2_frmsizeenum()
                size.index = index
                size.pixel_format = offer.code.rawValue
                guard io.ioctl(fd, vs_vidioc_enum_framesizes, &size) == 0 else { break }
                if size.type == V4L2Constant.frameSizeDiscrete {
                    sizes.append(CameraFrameSize(width: Int(size.discrete.width), height: Int(size.discrete.height), framesPerSecond: []))
                } else {
                    let s = size.stepwise
                    sizes = [CameraFrameSize(width: Int(s.min_width), height: Int(s.min_height), framesPerSecond: []),
                             CameraFrameSize(width: Int(s.max_width), height: Int(s.max_height), framesPerSecond: [])]
                    anySize = true
                    break
                }
            }
            return CameraFormat(name: offer.code.userName, fourcc: offer.code.description, description: offer.description,
                                compressed: offer.compressed, emulated: false, sizes: sizes)
        }
        let codes = formats.map(\.fourcc)
        let writes = V4L2Output.preferredFormats.first { codes.contains($0.description) }?.userName
        return OutputDeviceDescription(path: path, name: name, driver: driver, bus: bus, formats: formats,
                                       anySize: anySize, writes: writes)
    }

    /// Sets the device to take `width`x`height` frames in the first of `preferredFormats` it
    /// accepts at that exact size, and tells its readers the rate.
    /// - Throws: `VirtualCameraError.formatRefused` (listing what it takes), `.busy`, `.failed`.
    @discardableResult
    public func configure(width: Int, height: Int, framesPerSecond: Double) throws(VirtualCameraError) -> OutputFormat {
        let offered = offeredFormats().map(\.code)
        // A device that lists nothing may still take a format it is told; try ours.
        let candidates = V4L2Output.preferredFormats.filter { offered.isEmpty || offered.contains($0) }
        var refused: [String] = []
        for code in candidates {
            var f = v4l2_format()
            f.type = V4L2Constant.bufTypeVideoOutput
            f.fmt.pix.width = UInt32(width)
            f.fmt.pix.height = UInt32(height)
            f.fmt.pix.pixelformat = code.rawValue
            f.fmt.pix.field = V4L2Constant.fieldNone
            let packed = OutputFormat.packedBytesPerLine(code, width: width)
            f.fmt.pix.bytesperline = UInt32(packed)
            f.fmt.pix.sizeimage = UInt32(OutputFormat.imageSize(code, bytesPerLine: packed, height: height))
            f.fmt.pix.colorspace = V4L2Constant.colorspaceSMPTE170M
            let result = io.ioctl(fd, vs_vidioc_s_fmt, &f)
            if result == -EBUSY { throw .busy(path: path) }
            if result == -ENODEV || result == -EIO { throw .failed(path: path, operation: "setting the format", errno: -result) }
            let (gotWidth, gotHeight) = (Int(f.fmt.pix.width), Int(f.fmt.pix.height))
            guard result == 0, f.fmt.pix.pixelformat == code.rawValue else {
                refused.append(code.userName)
                continue
            }
            guard gotWidth == width, gotHeight == height else {
                refused.append("\(code.userName) (it gives \(gotWidth)x\(gotHeight))")
                continue
            }
            let bytesPerLine = max(Int(f.fmt.pix.bytesperline), packed)
            let needed = OutputFormat.imageSize(code, bytesPerLine: bytesPerLine, height: height)
            var parm = v4l2_streamparm()
            parm.type = V4L2Constant.bufTypeVideoOutput
            let (numerator, denominator) = V4L2Camera.fraction(forRate: framesPerSecond)
            parm.parm.output.timeperframe.numerator = numerator
            parm.parm.output.timeperframe.denominator = denominator
            // Only what readers are told; a device without rate control takes frames as they come.
            _ = io.ioctl(fd, vs_vidioc_s_parm, &parm)
            let settled = OutputFormat(format: code, width: width, height: height, bytesPerLine: bytesPerLine,
                                       imageSize: max(needed, Int(f.fmt.pix.sizeimage)), framesPerSecond: framesPerSecond)
            format = settled
            return settled
        }
        let asked = candidates.isEmpty
            ? "every format vidstyle writes (\(V4L2Output.preferredFormats.map(\.userName).joined(separator: ", ")))"
            : refused.joined(separator: " and ") + " at \(width)x\(height)"
        throw .formatRefused(path: path, asked: asked, accepts: describe().summary)
    }

    /// Hands one whole frame (`format.imageSize` bytes) to the device.
    /// - Returns: 0, or the errno of a failed write.
    public func write(_ bytes: UnsafeRawPointer, count: Int) -> Int32 {
        let written = io.write(fd, bytes, count: count)
        return written < 0 ? Int32(-written) : 0
    }
}
