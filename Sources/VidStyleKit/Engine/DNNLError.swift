import CDNNL

/// A oneDNN call that failed, with the call's name, what it was for, and oneDNN's status.
///
/// oneDNN reports failures only as a status code; keeping the call and the layer it served makes
/// an "unimplemented" or "out of memory" actionable from a bug report's single line.
public struct DNNLError: Error, CustomStringConvertible, Equatable {
    /// The oneDNN function that failed, e.g. "dnnl_primitive_desc_create".
    public let call: String
    /// What the engine was doing, e.g. "conv enc1".
    public let context: String
    /// The raw `dnnl_status_t` value.
    public let status: Int

    public var description: String {
        ModelError.oneLine("oneDNN call \(call) failed for \(context): \(Self.statusName(status)) (status \(status)); try a smaller frame size, or report it with the model file and size")
    }

    static func statusName(_ status: Int) -> String {
        switch UInt32(truncatingIfNeeded: status) {
        case dnnl_out_of_memory.rawValue: return "out of memory"
        case dnnl_invalid_arguments.rawValue: return "invalid arguments"
        case dnnl_unimplemented.rawValue: return "unimplemented"
        case dnnl_iterator_ends.rawValue: return "iterator ends"
        case dnnl_runtime_error.rawValue: return "runtime error"
        case dnnl_not_required.rawValue: return "not required"
        default: return "unknown status"
        }
    }
}

/// Throws `DNNLError` unless `status` is `dnnl_success`.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ call: @autoclosure () -> String, _ context: @autoclosure () -> String) throws {
    if status != dnnl_success {
        throw DNNLError(call: call(), context: context(), status: Int(status.rawValue))
    }
}
