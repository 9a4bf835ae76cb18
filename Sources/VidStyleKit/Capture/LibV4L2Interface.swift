import CV4L2
import Foundation

/// `V4L2Interface` on a real camera or output device, through libv4l2 (which also knows the
/// quirks of many webcams' drivers, and passes output devices straight to the kernel).
public final class LibV4L2Interface: V4L2Interface, Sendable {
    public init() {}

    public func devicePaths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return names.filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }
            .sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }
            .map { "/dev/" + $0 }
    }

    public func open(_ path: String, flags: Int32) -> Int32 {
        let fd = vs_v4l2_open(path, flags)
        return fd >= 0 ? fd : -errno
    }

    public func close(_ fd: Int32) {
        _ = v4l2_close(fd)
    }

    public func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        while true {
            if vs_v4l2_ioctl(fd, request, argument) >= 0 { return 0 }
            if errno != EINTR { return -errno }
        }
    }

    public func mmap(_ fd: Int32, length: Int, offset: Int) -> UnsafeMutableRawPointer? {
        let address = v4l2_mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(offset))
        return address == MAP_FAILED ? nil : address
    }

    public func munmap(_ address: UnsafeMutableRawPointer, length: Int) {
        _ = v4l2_munmap(address, length)
    }

    public func poll(_ fd: Int32, timeoutMilliseconds: Int32) -> Int32 {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = Glibc.poll(&entry, 1, timeoutMilliseconds)
            if ready > 0 { return Int32(entry.revents) }
            if ready == 0 { return 0 }
            if errno != EINTR { return -errno }
        }
    }

    public func write(_ fd: Int32, _ bytes: UnsafeRawPointer, count: Int) -> Int {
        while true {
            let written = v4l2_write(fd, bytes, count)
            if written >= 0 { return written }
            if errno != EINTR { return -Int(errno) }
        }
    }
}
