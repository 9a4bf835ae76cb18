import Foundation

/// oneDNN runs on OpenMP, whose idle threads spin by default. With the decoder and encoder on
/// the same 2 cores, spinning made the network up to 6x slower (docs/performance.md), so
/// vidstyle wants `OMP_WAIT_POLICY=passive`. OpenMP reads it when the library loads, before
/// `main`, so setting it later does nothing: when it is unset, vidstyle sets it and re-executes
/// itself once. A value the user set is always kept.
enum OpenMPEnvironment {
    static func ensurePassiveWaiting() {
        guard getenv("OMP_WAIT_POLICY") == nil else { return }
        setenv("OMP_WAIT_POLICY", "passive", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returns only on failure; carry on with the default policy.
    }
}
