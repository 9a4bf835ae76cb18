#!/usr/bin/env python3
"""How fast the network's own convolutions run, from oneDNN's verbose log of `vidstyle bench`.

`ONEDNN_VERBOSE=1` makes oneDNN print one line per executed primitive with its shape and its
time. This script keeps the convolutions, splits the log into the bench's runs (every run
executes the same layers in the same order), drops the warm-up runs and reports the median
run's convolution time and the operations per second that makes, so that tools/bench.sh can set
it against the large-convolution ceiling from tools/conv_peak.c.

    ONEDNN_VERBOSE=1 vidstyle bench --runs 10 > log
    conv_share.py log --runs 12 --warm-up 2 [--peak-gops G]

Prints: conv_ms=<x> conv_gops=<x> layers=<n> kernels=<impl,...> [of_peak=<percent>]
"""
import argparse
import re
import statistics
import sys

SHAPE = re.compile(r"mb(\d+)_(?:g(\d+))?ic(\d+)oc(\d+)_ih(\d+)oh(\d+)kh(\d+)[^_]*(?:_iw(\d+)ow(\d+)kw(\d+))?")


def operations(descriptor: str) -> float:
    """Multiply-adds x 2 of one convolution, from oneDNN's problem descriptor."""
    match = SHAPE.search(descriptor)
    if match is None:
        raise ValueError(f"conv_share: cannot read the convolution shape in {descriptor!r}")
    mb, groups, ic, oc, _ih, oh, kh, _iw, ow, kw = match.groups()
    groups = int(groups or 1)
    ow = ow or oh  # oneDNN leaves out the width when it equals the height
    kw = kw or kh
    return 2.0 * int(mb) * int(oc) * (int(ic) // groups) * int(oh) * int(ow) * int(kh) * int(kw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", help="oneDNN verbose output of vidstyle bench")
    parser.add_argument("--runs", type=int, required=True, help="runs the bench made, warm-up included")
    parser.add_argument("--warm-up", type=int, default=2, help="leading runs to leave out")
    parser.add_argument("--peak-gops", type=float, help="the ceiling to compare with (tools/conv_peak.c)")
    args = parser.parse_args()

    convolutions = []
    with open(args.log) as log:
        for line in log:
            fields = line.rstrip("\n").split(",")
            if len(fields) > 4 and fields[1] == "exec" and fields[3] == "convolution":
                convolutions.append((fields[4], operations(fields[-2]), float(fields[-1])))
    if not convolutions or len(convolutions) % args.runs != 0:
        print(f"conv_share: {len(convolutions)} convolutions in the log do not split into {args.runs} runs",
              file=sys.stderr)
        return 1
    layers = len(convolutions) // args.runs
    runs = [convolutions[i * layers:(i + 1) * layers] for i in range(args.warm_up, args.runs)]
    conv_ms = statistics.median(sum(ms for _, _, ms in run) for run in runs)
    ops = sum(op for _, op, _ in runs[0])
    kernels = ",".join(sorted({impl for impl, _, _ in runs[0]}))
    gops = ops / conv_ms / 1e6
    line = f"conv_ms={conv_ms:.2f} conv_gops={gops:.1f} layers={layers} kernels={kernels}"
    if args.peak_gops:
        line += f" of_peak={100 * gops / args.peak_gops:.0f}%"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
