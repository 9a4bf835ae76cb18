/// A short, stable digest (64-bit FNV-1a) of text: what parts record about their settings and
/// input, so the joiner can tell parts made differently without storing the whole text.
/// Not for security: it only has to tell honest mistakes apart.
public enum Fingerprint {
    public static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
