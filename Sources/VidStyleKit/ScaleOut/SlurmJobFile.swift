/// A Slurm array batch script: array task K renders part K; run outside the array (by the
/// dependent job the comment shows, or by hand), it joins. One file, so parts and join cannot
/// drift apart.
public struct SlurmJobFile: Sendable {
    public var commands: ScaleOutCommands

    public init(commands: ScaleOutCommands) { self.commands = commands }

    public var text: String {
        """
        #!/bin/bash
        #SBATCH --job-name=vidstyle
        #SBATCH --array=1-\(commands.parts)
        #SBATCH --cpus-per-task=2
        #SBATCH --output=vidstyle-%A_%a.log
        # Submit the parts, then the join once every part succeeded:
        #   jid=$(sbatch --parsable THIS_FILE) && sbatch --dependency=afterok:$jid --array=1 --export=ALL,VIDSTYLE_JOIN=1 THIS_FILE
        # A failed part K: sbatch --array=K THIS_FILE, then the join.
        set -euo pipefail
        if [ -z "${VIDSTYLE_JOIN:-}" ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
          exec \(commands.partCommand(index: "\"$SLURM_ARRAY_TASK_ID\""))
        fi
        exec \(commands.joinCommand)

        """
    }
}
