/// OpenCV refused a step of temporal smoothing (creating the flow estimator, computing a flow,
/// remapping a picture). Carries OpenCV's own message, so the one line printed says what broke.
public struct OpticalFlowError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
