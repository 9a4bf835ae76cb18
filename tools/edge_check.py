#!/usr/bin/env python3
"""The edge test for any model file and every style, through the real CLI.

  tools/.venv/bin/python tools/edge_check.py [--model FILE] [--precision int8|fp32] [--out table.md]

Tests/VidStyleKitTests/EdgeMarginTests.swift checks the bundled model on three styles; a new
model (issue 28's reflect-padded network with its 16 px margin) needs the same check on all of
them before it ships. Frames 0 and 100 of samples/city.mp4 (640x360) are painted by
`vidstyle` at the model's own margin (StyleModel.edgeMargin), once as they are and once inside
a 64 px mirror-extended copy; PNG in and out, so nothing is lost to a codec. Per style the
worse frame's mean absolute difference (levels of 255) over each side's outer 8 px, all four
sides, and the inside (> 32 px from the edges) is tabled against the test's limits: all four
sides < 6, each side < 7.5. Exits 1 when a style misses a limit.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.edges import band_differences, mirror_extend  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTRA = 64
ALL_SIDES_LIMIT = 6.0
SIDE_LIMIT = 7.5
SIDES = ("top", "bottom", "left", "right")


def frame_png(video: str, index: int, path: str) -> np.ndarray:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", video, "-vf", f"select=eq(n\\,{index})",
                    "-frames:v", "1", "-pix_fmt", "rgb24", path], check=True)
    return np.asarray(Image.open(path).convert("RGB"))


def paint(vidstyle: str, model: str | None, precision: str | None, style: int, src: str, dst: str) -> np.ndarray:
    cmd = [vidstyle, src, dst, "--style", str(style), "--smoothing", "0", "--overwrite", "--quiet"]
    if model:
        cmd += ["--model", model]
    if precision:
        cmd += ["--precision", precision]
    subprocess.run(cmd, check=True)
    return np.asarray(Image.open(dst).convert("RGB"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vidstyle", default=os.path.join(ROOT, ".build/release/vidstyle"))
    p.add_argument("--model", help="model file (default: the bundled one)")
    p.add_argument("--precision", choices=("auto", "int8", "fp32"))
    p.add_argument("--video", default=os.path.join(ROOT, "samples/city.mp4"))
    p.add_argument("--frames", default="0,100")
    p.add_argument("--out", help="also write the table here (markdown)")
    args = p.parse_args()

    listing = [args.vidstyle, "styles", "--json"] + (["--model", args.model] if args.model else [])
    styles = json.loads(subprocess.run(listing, check=True, capture_output=True, text=True).stdout)
    worst: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index in (int(i) for i in args.frames.split(",")):
            picture = frame_png(args.video, index, os.path.join(tmp, "small.png"))
            Image.fromarray(mirror_extend(picture, EXTRA)).save(os.path.join(tmp, "large.png"))
            for style in styles:
                s = style["index"]
                small = paint(args.vidstyle, args.model, args.precision, s, os.path.join(tmp, "small.png"),
                              os.path.join(tmp, "small-out.png"))
                large = paint(args.vidstyle, args.model, args.precision, s, os.path.join(tmp, "large.png"),
                              os.path.join(tmp, "large-out.png"))
                found = band_differences(small, large, EXTRA)
                worst[s] = {k: max(v, worst.get(s, {}).get(k, 0.0)) for k, v in found.items()}

    lines = [f"Edge check: {args.model or 'bundled model'}, precision {args.precision or 'auto'}, frames {args.frames} "
             f"of {os.path.basename(args.video)}; outer 8 px against the same pixels painted {EXTRA} px inside a "
             f"mirror-extended frame, levels of 255, the worse frame; limits: all sides < {ALL_SIDES_LIMIT}, "
             f"each side < {SIDE_LIMIT}", "",
             "| style | top | bottom | left | right | all sides | inside | within limits |", "|---|---|---|---|---|---|---|---|"]
    failed = []
    for style in styles:
        d = worst[style["index"]]
        ok = d["all"] < ALL_SIDES_LIMIT and all(d[side] < SIDE_LIMIT for side in SIDES)
        if not ok:
            failed.append(style["name"])
        lines.append(f"| {style['index']} {style['name']} | " + " | ".join(f"{d[k]:.2f}" for k in (*SIDES, "all", "inside"))
                     + f" | {'yes' if ok else '**no**'} |")
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
    if failed:
        print(f"edge_check: {', '.join(failed)} past the edge limits", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
