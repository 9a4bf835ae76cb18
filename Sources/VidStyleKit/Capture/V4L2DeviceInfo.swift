import CV4L2
import Foundation

/// What `VIDIOC_QUERYCAP` says about an open V4L2 node: its names and what it can do. Cameras
/// (`V4L2Camera`) and virtual-camera outputs (`V4L2Output`) both start from it, and the fake
/// layer answers it for both kinds of device in one place (`fill`).
struct V4L2DeviceInfo {
    /// The card name (a camera's model; v4l2loopback's `card_label`).
    let name: String
    let driver: String
    let bus: String
    /// The node's own capabilities (`device_caps` where the driver reports them).
    let abilities: UInt32

    /// Asks the driver, or nil when `fd` is not a V4L2 node.
    static func query(_ fd: Int32, io: V4L2Interface) -> V4L2DeviceInfo? {
        var caps = v4l2_capability()
        guard io.ioctl(fd, vs_vidioc_querycap, &caps) == 0 else { return nil }
        let abilities = caps.capabilities & V4L2Constant.capDeviceCaps != 0 ? caps.device_caps : caps.capabilities
        return V4L2DeviceInfo(name: V4L2Camera.string(&caps.card), driver: V4L2Camera.string(&caps.driver),
                              bus: V4L2Camera.string(&caps.bus_info), abilities: abilities)
    }

    /// The answer a driver gives to `VIDIOC_QUERYCAP` for this device (the fake layer's side).
    func fill(_ caps: UnsafeMutablePointer<v4l2_capability>) {
        caps.pointee = v4l2_capability()
        FakeV4L2Interface.copy(driver, into: &caps.pointee.driver)
        FakeV4L2Interface.copy(name, into: &caps.pointee.card)
        FakeV4L2Interface.copy(bus, into: &caps.pointee.bus_info)
        caps.pointee.capabilities = abilities | V4L2Constant.capDeviceCaps
        caps.pointee.device_caps = abilities
    }

    /// The answer to `VIDIOC_ENUM_FMT` on `bufferType` for a fake device listing `formats`.
    static func describeFormat(_ desc: UnsafeMutablePointer<v4l2_fmtdesc>, of formats: [FakeCamera.Format], bufferType: UInt32) -> Int32 {
        let index = Int(desc.pointee.index)
        guard desc.pointee.type == bufferType, index < formats.count, let code = FourCC(formats[index].fourcc) else { return -EINVAL }
        desc.pointee.pixelformat = code.rawValue
        desc.pointee.flags = code == .mjpeg || code == .jpeg ? V4L2Constant.fmtFlagCompressed : 0
        FakeV4L2Interface.copy(code.userName.uppercased(), into: &desc.pointee.description)
        return 0
    }
}
