#!/usr/bin/env python3
"""Warping error at the seams of a joined video against the one-machine run of the same input.

  /work/main/tools/.venv/bin/python tools/seam_warp_error.py IN WHOLE JOINED --parts N

Part K of N holds frames (K-1)*F/N ..< K*F/N (docs/scale-out.md), so seam k lies between
frames s-1 and s with s = k*F/N. For every seam, the frame pairs (s-2, s-1), (s-1, s) and
(s, s+1) are scored in both outputs with the warping error of tools/temporal_eval.py (Lai et
al. 2018: flow by OpenCV DIS medium on the *input* frames, forward-backward mask, mean squared
RGB difference of output t and output t+1 warped back), so both outputs are judged by the same
flows. Prints one line per seam and the ratio joined / whole over all seam pairs.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from temporal_eval import FlowReference  # noqa: E402


def frame_count(path: str) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", path], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def frames_at(path: str, indices: list[int]) -> dict[int, np.ndarray]:
    """Decodes only the frames at `indices` (presentation order), as RGB."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", path], check=True, capture_output=True, text=True)
    w, h = (int(v) for v in probe.stdout.strip().split(",")[:2])
    wanted = sorted(set(indices))
    expr = "+".join(f"eq(n\\,{i})" for i in wanted)
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf", f"select='{expr}'", "-fps_mode",
                          "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    if len(frames) != len(wanted):
        raise SystemExit(f"seam_warp_error: got {len(frames)} of {len(wanted)} frames from {path}")
    return dict(zip(wanted, frames))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("whole")
    parser.add_argument("joined")
    parser.add_argument("--parts", type=int, required=True)
    args = parser.parse_args()
    total = frame_count(args.input)
    seams = [k * total // args.parts for k in range(1, args.parts)]
    indices = [s + d for s in seams for d in (-2, -1, 0, 1)]
    inputs, whole, joined = (frames_at(p, indices) for p in (args.input, args.whole, args.joined))
    sums = {"whole": 0.0, "joined": 0.0}
    seam_only = {"whole": 0.0, "joined": 0.0}
    for s in seams:
        pairs = [s - 2, s - 1, s]
        reference = FlowReference([inputs[i] for i in pairs + [s + 1]])
        row = []
        for name, video in (("whole", whole), ("joined", joined)):
            # FlowReference averages over every pair of its list; score each pair on its own.
            errors = []
            for i, t in enumerate(pairs):
                single = FlowReference.__new__(FlowReference)
                single.maps, single.masks = [reference.maps[i]], [reference.masks[i]]
                errors.append(single.warping_error([video[t], video[t + 1]]))
            sums[name] += sum(errors)
            seam_only[name] += errors[1]
            row.append(errors)
        print(f"seam at frame {s}: pairs ({s-2},{s-1}) ({s-1},{s}) ({s},{s+1}): whole "
              + " ".join(f"{e:.2f}" for e in row[0]) + "; joined " + " ".join(f"{e:.2f}" for e in row[1]))
    print(f"seam pairs only: joined/whole = {seam_only['joined'] / seam_only['whole']:.4f} "
          f"(whole {seam_only['whole'] / len(seams):.2f}, joined {seam_only['joined'] / len(seams):.2f})")
    print(f"all pairs around the seams: joined/whole = {sums['joined'] / sums['whole']:.4f}")


if __name__ == "__main__":
    main()
