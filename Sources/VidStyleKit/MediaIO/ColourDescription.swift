import CFFmpeg

/// How a stream's pixel values map to colour, as FFmpeg's raw enum values, so the writer can
/// convert back with the same matrix and range the reader used and tag the output the same way
/// (a player that guesses wrong shifts every colour; DESIGN.md "Colour").
public struct ColourDescription: Sendable, Hashable {
    /// `AVColorPrimaries` raw value (1 = BT.709, 2 = unspecified).
    public var primaries: UInt32
    /// `AVColorTransferCharacteristic` raw value.
    public var transfer: UInt32
    /// `AVColorSpace` raw value: the YUV matrix (1 = BT.709, 5/6 = BT.601, 9 = BT.2020 NCL).
    public var matrix: UInt32
    /// `AVColorRange` raw value (1 = limited/MPEG, 2 = full/JPEG, 0 = unspecified).
    public var range: UInt32

    public init(primaries: UInt32, transfer: UInt32, matrix: UInt32, range: UInt32) {
        self.primaries = primaries
        self.transfer = transfer
        self.matrix = matrix
        self.range = range
    }

    /// Nothing known: every field unspecified.
    public static let unspecified = ColourDescription(
        primaries: AVCOL_PRI_UNSPECIFIED.rawValue, transfer: AVCOL_TRC_UNSPECIFIED.rawValue,
        matrix: AVCOL_SPC_UNSPECIFIED.rawValue, range: AVCOL_RANGE_UNSPECIFIED.rawValue)

    /// True when the pixel values use the full 0...255 range (JPEG style).
    public var isFullRange: Bool { range == AVCOL_RANGE_JPEG.rawValue }

    /// The swscale `SWS_CS_*` matrix to use for a picture of this height: the tagged matrix, or
    /// BT.709 for HD (height ≥ 720) and BT.601 otherwise when untagged, as players guess.
    func swsMatrix(height: Int) -> Int32 {
        switch matrix {
        case AVCOL_SPC_BT709.rawValue: return SWS_CS_ITU709
        case AVCOL_SPC_BT470BG.rawValue, AVCOL_SPC_SMPTE170M.rawValue: return SWS_CS_ITU601
        case AVCOL_SPC_FCC.rawValue: return SWS_CS_FCC
        case AVCOL_SPC_SMPTE240M.rawValue: return SWS_CS_SMPTE240M
        case AVCOL_SPC_BT2020_NCL.rawValue, AVCOL_SPC_BT2020_CL.rawValue: return SWS_CS_BT2020
        default: return height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601
        }
    }
}
