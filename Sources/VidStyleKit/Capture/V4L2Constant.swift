/// The V4L2 ABI values the device code uses, typed as the structs' fields are (`__u32`), so
/// no conversion clutters the code. They are fixed by the kernel's user-space ABI
/// (`linux/videodev2.h`).
enum V4L2Constant {
    static let capVideoCapture: UInt32 = 0x0000_0001
    static let capVideoOutput: UInt32 = 0x0000_0002
    static let capReadWrite: UInt32 = 0x0100_0000
    static let capStreaming: UInt32 = 0x0400_0000
    static let capDeviceCaps: UInt32 = 0x8000_0000
    static let bufTypeVideoCapture: UInt32 = 1
    static let bufTypeVideoOutput: UInt32 = 2
    static let frameSizeContinuous: UInt32 = 2
    static let frameSizeStepwise: UInt32 = 3
    /// BT.601 (`V4L2_COLORSPACE_SMPTE170M`): what webcams send and what readers assume for YUV.
    static let colorspaceSMPTE170M: UInt32 = 1
    static let memoryMmap: UInt32 = 1
    static let fieldNone: UInt32 = 1
    static let fmtFlagCompressed: UInt32 = 0x0001
    static let fmtFlagEmulated: UInt32 = 0x0002
    static let frameSizeDiscrete: UInt32 = 1
    static let frameIntervalDiscrete: UInt32 = 1
    static let bufFlagError: UInt32 = 0x0040
    static let bufFlagTimestampMask: UInt32 = 0xe000
    static let bufFlagTimestampMonotonic: UInt32 = 0x2000
}
