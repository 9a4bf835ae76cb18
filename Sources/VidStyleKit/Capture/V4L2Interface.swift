/// The handful of system calls V4L2 capture and output make, behind one protocol, so the device
/// code runs unchanged against a real camera or virtual camera (`LibV4L2Interface`, through
/// libv4l2) and against scripted devices in tests (`FakeV4L2Interface`).
///
/// This machine's kernel has no V4L2 at all and libv4l2 calls the kernel with raw syscalls, so
/// neither a virtual device nor an `LD_PRELOAD` shim can stand in for a camera; the seam has to
/// be here, at the shape Chromium uses for its fake V4L2 camera.
///
/// Errors are returned, never left in `errno`: every call that can fail gives a negative errno.
public protocol V4L2Interface: AnyObject, Sendable {
    /// The capture device paths present, sorted (`/dev/video0`, `/dev/video1`...).
    func devicePaths() -> [String]
    /// - Returns: a file descriptor, or a negative errno (`-ENOENT`, `-EACCES`, `-EBUSY`...).
    func open(_ path: String, flags: Int32) -> Int32
    func close(_ fd: Int32)
    /// - Returns: 0, or a negative errno.
    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32
    /// Maps a driver buffer read-only. - Returns: the mapping, or nil.
    func mmap(_ fd: Int32, length: Int, offset: Int) -> UnsafeMutableRawPointer?
    func munmap(_ address: UnsafeMutableRawPointer, length: Int)
    /// Waits for a filled buffer. - Returns: the `revents` bits (`POLLIN`, `POLLERR`...), 0 when
    /// the timeout passed, or a negative errno.
    func poll(_ fd: Int32, timeoutMilliseconds: Int32) -> Int32
    /// Hands one whole picture to an output device (a v4l2loopback virtual camera takes a frame
    /// per `write`). - Returns: the bytes taken, or a negative errno (`-EPIPE`, `-ENODEV`...).
    func write(_ fd: Int32, _ bytes: UnsafeRawPointer, count: Int) -> Int
}
