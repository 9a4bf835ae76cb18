/// Two Kubernetes Jobs: an Indexed Job whose pod K (from `JOB_COMPLETION_INDEX`, 0-based) renders
/// part K+1, and a join Job to apply once it completed. Both mount one volume holding IN and
/// OUT's folder (a ReadWriteMany claim named `vidstyle-data`, at /data); the image is a
/// placeholder for one with vidstyle installed.
public struct KubernetesJobFile: Sendable {
    public var commands: ScaleOutCommands
    public var image = "vidstyle:latest"

    public init(commands: ScaleOutCommands) { self.commands = commands }

    /// The part command the pods run, with K computed from the completion index.
    public var partScript: String {
        "K=$((JOB_COMPLETION_INDEX + 1)); exec " + commands.partCommand(index: "\"$K\"")
    }

    public var joinScript: String { "exec " + commands.joinCommand }

    public var text: String {
        """
        # kubectl apply -f THIS_FILE creates both; the join waits for the parts:
        #   kubectl wait --for=condition=complete --timeout=24h job/vidstyle-parts
        # A failed index is retried by the Job (backoffLimitPerIndex where the cluster has it).
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: vidstyle-parts
        spec:
          completionMode: Indexed
          completions: \(commands.parts)
          parallelism: \(commands.parts)
          backoffLimit: \(commands.parts * 2)
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: part
                image: \(image)
                command: ["/bin/sh", "-c", \(Self.yamlString(partScript))]
                volumeMounts:
                - {name: data, mountPath: /data}
              volumes:
              - name: data
                persistentVolumeClaim: {claimName: vidstyle-data}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: vidstyle-join
        spec:
          backoffLimit: 2
          template:
            spec:
              restartPolicy: Never
              initContainers:
              - name: wait-for-parts
                image: bitnami/kubectl:latest
                command: ["kubectl", "wait", "--for=condition=complete", "--timeout=24h", "job/vidstyle-parts"]
              containers:
              - name: join
                image: \(image)
                command: ["/bin/sh", "-c", \(Self.yamlString(joinScript))]
                volumeMounts:
                - {name: data, mountPath: /data}
              volumes:
              - name: data
                persistentVolumeClaim: {claimName: vidstyle-data}

        """
    }

    /// A YAML double-quoted scalar (JSON's escaping is valid YAML).
    static func yamlString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
