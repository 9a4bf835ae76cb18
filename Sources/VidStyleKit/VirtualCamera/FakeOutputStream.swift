import CV4L2
import Foundation

/// One open `FakeOutputDevice`: the ioctls a v4l2loopback node answers on its OUTPUT side
/// (capabilities, formats, `S_FMT` that adjusts the size as drivers do, the frame rate) and
/// `write`, which records every frame and its sidecar line, or fails as scripted.
///
/// Its own lock, so a writer thread writing frames does not hold up the fake cameras.
final class FakeOutputStream: @unchecked Sendable {
    let device: FakeOutputDevice
    private let lock = NSLock()
    private var format: FourCC
    private var width = 640
    private var height = 480
    private var framesPerSecond = 30.0
    private var formatSet = false
    private var written = 0
    private var raw: Int32 = -1
    private var sidecar: Int32 = -1

    init(device: FakeOutputDevice) {
        self.device = device
        format = device.formats.first.flatMap { FourCC($0.fourcc) } ?? .yuyv
    }

    deinit {
        closeFiles()
    }

    private var bytesPerLine: Int {
        (CaptureConverter.rawLayout(format)?.bytesPerPixel ?? 2) * width
    }

    private var imageSize: Int {
        switch format {
        case .nv12, .yuv420: bytesPerLine * height * 3 / 2
        case .mjpeg, .jpeg: width * height
        default: bytesPerLine * height
        }
    }

    func ioctl(_ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        lock.lock(); defer { lock.unlock() }
        switch request {
        case vs_vidioc_querycap:
            V4L2DeviceInfo(name: device.name, driver: "v4l2 loopback", bus: "fake:" + device.path,
                           abilities: V4L2Constant.capVideoOutput | V4L2Constant.capReadWrite | V4L2Constant.capStreaming)
                .fill(argument.assumingMemoryBound(to: v4l2_capability.self))
            return 0
        case vs_vidioc_enum_fmt:
            return V4L2DeviceInfo.describeFormat(argument.assumingMemoryBound(to: v4l2_fmtdesc.self), of: device.formats,
                                                 bufferType: V4L2Constant.bufTypeVideoOutput)
        case vs_vidioc_enum_framesizes:
            let size = argument.assumingMemoryBound(to: v4l2_frmsizeenum.self)
            guard let entry = device.formats.first(where: { FourCC($0.fourcc)?.rawValue == size.pointee.pixel_format }) else {
                return -EINVAL
            }
            if entry.sizes.isEmpty {
                // Any size, as v4l2loopback reports before a format is fixed.
                guard size.pointee.index == 0 else { return -EINVAL }
                size.pointee.type = V4L2Constant.frameSizeContinuous
                size.pointee.stepwise = v4l2_frmsize_stepwise(min_width: 2, max_width: 8192, step_width: 1,
                                                              min_height: 2, max_height: 8192, step_height: 1)
                return 0
            }
            guard Int(size.pointee.index) < entry.sizes.count else { return -EINVAL }
            let s = entry.sizes[Int(size.pointee.index)]
            size.pointee.type = V4L2Constant.frameSizeDiscrete
            size.pointee.discrete.width = UInt32(s.width)
            size.pointee.discrete.height = UInt32(s.height)
            return 0
        case vs_vidioc_g_fmt, vs_vidioc_s_fmt:
            let f = argument.assumingMemoryBound(to: v4l2_format.self)
            guard f.pointee.type == V4L2Constant.bufTypeVideoOutput else { return -EINVAL }
            if request == vs_vidioc_s_fmt {
                let asked = FourCC(rawValue: f.pointee.fmt.pix.pixelformat)
                if device.refuses.contains(where: { FourCC($0) == asked }) { return -EINVAL }
                // As drivers do: an unknown format becomes the first, a size the nearest offered.
                let entry = device.formats.first { FourCC($0.fourcc) == asked } ?? device.formats[0]
                let w = Int(f.pointee.fmt.pix.width), h = Int(f.pointee.fmt.pix.height)
                format = FourCC(entry.fourcc) ?? .yuyv
                if let nearest = entry.sizes.min(by: { abs($0.width * $0.height - w * h) < abs($1.width * $1.height - w * h) }) {
                    (width, height) = (nearest.width, nearest.height)
                } else {
                    (width, height) = (min(max(w, 2), 8192), min(max(h, 2), 8192))
                }
                formatSet = true
            }
            f.pointee.fmt.pix.pixelformat = format.rawValue
            f.pointee.fmt.pix.width = UInt32(width)
            f.pointee.fmt.pix.height = UInt32(height)
            f.pointee.fmt.pix.field = V4L2Constant.fieldNone
            f.pointee.fmt.pix.bytesperline = UInt32(bytesPerLine)
            f.pointee.fmt.pix.sizeimage = UInt32(imageSize)
            return 0
        case vs_vidioc_g_parm, vs_vidioc_s_parm:
            let parm = argument.assumingMemoryBound(to: v4l2_streamparm.self)
            guard parm.pointee.type == V4L2Constant.bufTypeVideoOutput else { return -EINVAL }
            let t = parm.pointee.parm.output.timeperframe
            if request == vs_vidioc_s_parm, t.numerator > 0, t.denominator > 0 {
                framesPerSecond = Double(t.denominator) / Double(t.numerator)
            }
            let (numerator, denominator) = V4L2Camera.fraction(forRate: framesPerSecond)
            parm.pointee.parm.output.timeperframe.numerator = numerator
            parm.pointee.parm.output.timeperframe.denominator = denominator
            return 0
        default:
            return -ENOTTY
        }
    }

    func write(_ bytes: UnsafeRawPointer, count: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        if let gone = device.goneAtFrame, written >= gone {
            return -Int(device.goneError == "EPIPE" ? EPIPE : ENODEV)
        }
        guard formatSet, count > 0 else { return -Int(EINVAL) }
        if let path = device.recordTo {
            if raw < 0 {
                raw = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                sidecar = Glibc.open(path + ".jsonl", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard raw >= 0, sidecar >= 0 else { closeFiles(); return -Int(EIO) }
            }
            let line = "{\"index\":\(written),\"size\":\(count),\"format\":\"\(format)\",\"width\":\(width),"
                + "\"height\":\(height),\"monotonicNanoseconds\":\(MonotonicClock.nanoseconds())}\n"
            guard Self.writeAll(raw, bytes, count), Self.writeAll(sidecar, line) else { return -Int(EIO) }
        }
        written += 1
        return count
    }

    /// Closes the recording (the device was closed); a later writer starts it afresh.
    func closeRecording() {
        lock.withLock { closeFiles() }
    }

    private func closeFiles() {
        if raw >= 0 { Glibc.close(raw) }
        if sidecar >= 0 { Glibc.close(sidecar) }
        raw = -1
        sidecar = -1
    }

    private static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { writeAll(fd, UnsafeRawPointer($0.baseAddress!), $0.count) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Bool {
        var done = 0
        while done < count {
            let n = Glibc.write(fd, bytes + done, count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
