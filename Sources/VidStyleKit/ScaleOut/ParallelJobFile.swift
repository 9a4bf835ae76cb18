/// One GNU parallel command line: every part (on this machine, or others with `-S host1,host2`
/// when the paths are on shared storage), then the join once all succeeded. `--halt
/// now,fail=1` stops at the first failed part, so the join never sees an incomplete set.
public struct ParallelJobFile: Sendable {
    public var commands: ScaleOutCommands

    public init(commands: ScaleOutCommands) { self.commands = commands }

    public var text: String {
        let indices = (1...commands.parts).map(String.init).joined(separator: " ")
        return "parallel --halt now,fail=1 --line-buffer " + ScaleOutCommands.quote(commands.partCommand(index: "{}"))
            + " ::: \(indices) && " + commands.joinCommand + "\n"
    }
}
