/// The pixel format, size and rate a capture runs at.
public struct CaptureMode: Sendable, Equatable, CustomStringConvertible {
    public var format: FourCC
    public var width: Int
    public var height: Int
    public var framesPerSecond: Double

    public init(format: FourCC, width: Int, height: Int, framesPerSecond: Double) {
        self.format = format
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
    }

    public var description: String {
        "\(format.userName) \(width)x\(height) at \(CameraFrameSize.format(framesPerSecond)) fps"
    }

    /// Picks the best mode a camera offers for `request`.
    ///
    /// The size asked for (else 640x480, else the offered size nearest it in area) comes first,
    /// then the rate asked for (else the highest up to 30 fps): at 1280x720 many webcams give
    /// YUYV at only 10 fps but MJPEG at 30, so the format that reaches the rate wins. Among
    /// equals an uncompressed format wins (no decoding, no JPEG artefacts), and a format the
    /// camera sends itself beats one libv4l2 converts to.
    /// - Throws: `CameraError.unsupported` with the camera's offer when nothing matches.
    public static func choose(from formats: [CameraFormat], request: CaptureRequest,
                              path: String) throws(CameraError) -> CaptureMode {
        let usable = formats.filter { FourCC($0.fourcc)?.isConvertible == true && !$0.sizes.isEmpty }
        let offers = usable.isEmpty ? "no format vidstyle can read" : usable.map(\.summary).joined(separator: "; ")
        var candidates = usable
        if let wanted = request.format {
            candidates = usable.filter { $0.fourcc == wanted.description }
            if candidates.isEmpty {
                throw .unsupported(path: path, asked: "the \(wanted.userName) format", offers: offers)
            }
        }
        guard !candidates.isEmpty else { throw .unsupported(path: path, asked: "any picture", offers: offers) }

        let target = (width: request.width ?? CaptureRequest.defaultSize.width,
                      height: request.height ?? CaptureRequest.defaultSize.height)
        let sizeGiven = request.width != nil
        struct Option { var format: CameraFormat; var size: CameraFrameSize; var fps: Double; var order: Int }
        var options: [Option] = []
        for (order, format) in candidates.enumerated() {
            for size in format.sizes {
                if sizeGiven && (size.width != target.width || size.height != target.height) { continue }
                let rates = size.framesPerSecond.isEmpty ? [CaptureRequest.defaultFramesPerSecond] : size.framesPerSecond
                for fps in rates {
                    if let asked = request.framesPerSecond, abs(fps - asked) > asked * 0.005 { continue }
                    options.append(Option(format: format, size: size, fps: fps, order: order))
                }
            }
        }
        guard !options.isEmpty else {
            var asked = sizeGiven ? "\(target.width)x\(target.height)" : "any size"
            if let fps = request.framesPerSecond { asked += " at \(CameraFrameSize.format(fps)) fps" }
            if let format = request.format { asked += " in \(format.userName)" }
            throw .unsupported(path: path, asked: asked, offers: offers)
        }
        let targetArea = Double(target.width * target.height)
        let targetFps = request.framesPerSecond ?? CaptureRequest.defaultFramesPerSecond
        func cost(_ o: Option) -> (Double, Double, Int, Int, Int) {
            let sizeCost = abs(Double(o.size.width * o.size.height) - targetArea)
            // Rates up to the target: closer is better; above it, only as good as the target.
            let fpsCost = o.fps <= targetFps ? targetFps - o.fps : (o.fps - targetFps) * 0.001
            return (sizeCost, fpsCost, o.format.emulated ? 1 : 0, o.format.compressed ? 1 : 0, o.order)
        }
        let best = options.min { cost($0) < cost($1) }!
        return CaptureMode(format: FourCC(best.format.fourcc)!, width: best.size.width, height: best.size.height,
                           framesPerSecond: best.fps)
    }
}
