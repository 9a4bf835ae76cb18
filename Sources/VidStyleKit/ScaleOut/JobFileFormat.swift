/// The schedulers `vidstyle plan --emit` writes for. Each is plain text around the same
/// `ScaleOutCommands`, so what the tests run through GNU parallel is what the others run too.
public enum JobFileFormat: String, CaseIterable, Sendable {
    case parallel, slurm, kubernetes

    public func render(_ commands: ScaleOutCommands) -> String {
        switch self {
        case .parallel: return ParallelJobFile(commands: commands).text
        case .slurm: return SlurmJobFile(commands: commands).text
        case .kubernetes: return KubernetesJobFile(commands: commands).text
        }
    }
}
