#!/usr/bin/env python3
"""Measures vidstyle's temporal smoothing against --smoothing 0 on the same clips.

  tools/.venv/bin/python tools/temporal_eval.py --vidstyle .build/release/vidstyle \
      --data data --styles ../shared/data/styles --out docs/temporal [--frames 40]

Needs opencv-python-headless in the tools virtualenv (tools/bench.sh installs it; an older
venv: tools/.venv/bin/pip install opencv-python-headless) and data/ from tools/fetch_data.sh
(sample videos, VGG16 weights, content photos).

Clips, all 640 px wide and `--frames` long, stored losslessly before vidstyle sees them:
  pan     a 640x360 window moving across a photo by exactly 3 px a frame;
  noisy   the same photo standing still, with fresh Gaussian noise of σ 8 on every frame;
  real    the first frames of Debian sample videos (DESIGN.md), scaled to 640 px wide.
Each clip is stylized twice with the real CLI (style 0): `--smoothing 0` and the default.
`--style 0,4` or `--style all` paints each clip in those styles (one row per clip and style) and
adds a table of each run's warping error against the first run's, per style and clip: a stability
loss reaches every style differently (vidstyle_tools/by_style.py).

Per clip and setting:
  warping error (Lai et al. 2018): E = mean over t of Σ M·‖V_t − warp(V_{t+1}, F_t)‖² / Σ M,
    with V the output frames (0-255, squared differences summed over R, G, B), F_t the flow
    from input t to input t+1 by OpenCV's DIS (medium preset) at full resolution, and M the
    pixels that pass a forward-backward check (|F + B(p + F)|² < 0.01(|F|² + |B|²) + 0.5) and
    stay inside the frame; independent of whatever the stylizer does inside;
  sharpness: mean gradient magnitude of the output's luma, at full scale and of a 1/4-scale
    copy (area-averaged): trails and smears lower the small copy's most;
  style-loss ratio of tools/evaluate.py (VGG16 Gram loss against the painting, over the same
    loss of the unstylized frame) on frames 5, 15, 25 (when the clip has them);
  ms per frame of the whole CLI run (decode, stylize, encode), wall clock;
  where the error is: the same differences pooled over the pixels whose reference flow moves
    more than 0.5 px and over the rest, beside the input frames' own warping error measured
    the same way: where the reference flow fails (walking people) even the input scores high,
    and no painting that follows it can score far below (vidstyle_tools/warp_split.py).
Writes results.json and table.md into --out, and for the pan and --strip-clip a strip of six
consecutive frames, --smoothing 0 above the default, cropped where the input moves most and
enlarged 2x (pan-strip.png, <clip>-strip.png).

`--runs` compares other settings, e.g. two models with the network alone (issue 28):
  --runs old=Sources/VidStyleKit/Resources/vidstyle-default.safetensors@0,new=NEW.safetensors@0
Each run is LABEL=MODEL@SMOOTHING; the table gives every figure with its ratio to the first run,
and the strips show the first two runs.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.by_style import parse_style_list, style_summary  # noqa: E402
from vidstyle_tools.warp_split import MOVING_PX, error_by_motion  # noqa: E402

REAL_CLIPS = ("cockatoo.mp4", "cityCC0.mpg", "diver.mov", "vtest.avi", "VID_20191220_170832.mp4")
PAN_PHOTO = "usr_share_backgrounds_Bridge_by_Sander_Klootwijk.jpg"
STYLE_FRAMES = (5, 15, 25)


def write_lossless(frames: list[np.ndarray], path: str, fps: int = 25) -> None:
    """RGB uint8 frames into a lossless H.264 RGB file (libx264rgb, qp 0)."""
    h, w = frames[0].shape[:2]
    proc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                             "-s", f"{w}x{h}", "-r", str(fps), "-i", "-", "-c:v", "libx264rgb", "-qp", "0",
                             "-preset", "ultrafast", path], stdin=subprocess.PIPE)
    for f in frames:
        proc.stdin.write(np.ascontiguousarray(f).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit(f"temporal_eval: ffmpeg could not write {path}")


def read_frames(path: str, limit: int, width: int | None = None) -> list[np.ndarray]:
    """Decodes up to `limit` RGB frames with ffmpeg, scaled to `width` (even height) if given."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", path], check=True, capture_output=True, text=True)
    w0, h0 = (int(v) for v in probe.stdout.strip().split(",")[:2])
    w, h = (w0, h0) if width is None else (width, int(round(h0 * width / w0 / 2)) * 2)
    vf = [] if width is None else ["-vf", f"scale={w}:{h}:flags=area"]
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, *vf, "-frames:v", str(limit),
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    n = len(raw) // (w * h * 3)
    if n == 0:
        raise SystemExit(f"temporal_eval: no frames decoded from {path}")
    return list(np.frombuffer(raw[: n * w * h * 3], np.uint8).reshape(n, h, w, 3))


def pan_clip(photo: str, frames: int) -> list[np.ndarray]:
    img = np.asarray(Image.open(photo).convert("RGB"))
    scale = 1280 / img.shape[1]
    img = cv2.resize(img, (1280, int(img.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    top = (img.shape[0] - 360) // 2
    return [img[top:top + 360, 3 * t:3 * t + 640].copy() for t in range(frames)]


def noisy_clip(photo: str, frames: int, sigma: float = 8, seed: int = 1) -> list[np.ndarray]:
    still = pan_clip(photo, 1)[0].astype(np.float32)
    rng = np.random.default_rng(seed)
    return [np.clip(still + rng.normal(0, sigma, still.shape), 0, 255).round().astype(np.uint8) for _ in range(frames)]


def gray(f: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)


class FlowReference:
    """The evaluation's own flows and masks, on the input frames only (DIS medium, full res)."""

    def __init__(self, inputs: list[np.ndarray]):
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        h, w = inputs[0].shape[:2]
        grid = np.stack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)), -1)
        self.maps, self.masks, self.motion = [], [], []
        for a, b in zip(inputs[:-1], inputs[1:]):
            ga, gb = gray(a), gray(b)
            fwd = dis.calc(ga, gb, None)
            bwd = dis.calc(gb, ga, None)
            m = grid + fwd
            bwd_at = cv2.remap(bwd, m[..., 0], m[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            err = ((fwd + bwd_at) ** 2).sum(-1)
            ok = err < 0.01 * ((fwd ** 2).sum(-1) + (bwd_at ** 2).sum(-1)) + 0.5
            ok &= (m[..., 0] >= 0) & (m[..., 0] <= w - 1) & (m[..., 1] >= 0) & (m[..., 1] <= h - 1)
            self.maps.append(m)
            self.masks.append(ok)
            self.motion.append(np.sqrt((fwd ** 2).sum(-1)))

    def differences(self, outputs: list[np.ndarray]):
        """Per consecutive pair: ‖V_t − warp(V_{t+1}, F_t)‖² per pixel, the trusted mask, the flow's length."""
        for t, (m, ok, motion) in enumerate(zip(self.maps, self.masks, self.motion)):
            nxt = outputs[t + 1].astype(np.float32)
            warped = cv2.remap(nxt, m[..., 0], m[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            yield ((outputs[t].astype(np.float32) - warped) ** 2).sum(-1), ok, motion

    def warping_error(self, outputs: list[np.ndarray]) -> float:
        return float(np.mean([(d * ok).sum() / max(1, ok.sum()) for d, ok, _ in self.differences(outputs)]))

    def error_by_motion(self, outputs: list[np.ndarray]) -> dict[str, float]:
        """The error pooled over moving and still pixels (vidstyle_tools/warp_split.py)."""
        return error_by_motion(self.differences(outputs))


def sharpness(frames: list[np.ndarray], quarter: bool) -> float:
    values = []
    for f in frames:
        g = gray(f).astype(np.float32)
        if quarter:
            g = cv2.resize(g, (g.shape[1] // 4, g.shape[0] // 4), interpolation=cv2.INTER_AREA)
        gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8
        gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8
        values.append(float(np.sqrt(gx ** 2 + gy ** 2).mean()))
    return float(np.mean(values))


def stylize(vidstyle: str, model: str, src: str, dst: str, smoothing: str | None, style: int,
            precision: str | None = None) -> float:
    """Runs the CLI; returns wall-clock seconds."""
    cmd = [vidstyle, src, dst, "--model", model, "--style", str(style), "--crf", "12", "--no-audio",
           "--overwrite", "--quiet"]
    if precision:
        cmd += ["--precision", precision]
    if smoothing is not None:
        cmd += ["--smoothing", smoothing]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def strip(inputs: list[np.ndarray], inputs_motion: list[np.ndarray], off: list[np.ndarray], on: list[np.ndarray],
          path: str, first: int, crop=(200, 112)) -> None:
    """Six frames from `first`, off above on, 2x enlarged, cropped where the input's motion times
    its detail (gradient magnitude) is largest: where trails and smears would show."""
    detail = []
    for f in inputs[first:first + 6]:
        g = gray(f).astype(np.float32)
        detail.append(np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)))
    motion = np.mean(inputs_motion[first:first + 6], 0) * np.mean(detail, 0)
    cw, ch = crop
    integral = cv2.integral(motion.astype(np.float64))
    h, w = motion.shape
    best, at = -1.0, (0, 0)
    for y in range(0, h - ch + 1, 8):
        for x in range(0, w - cw + 1, 8):
            s = integral[y + ch, x + cw] - integral[y, x + cw] - integral[y + ch, x] + integral[y, x]
            if s > best:
                best, at = s, (x, y)
    x, y = at
    rows = []
    for frames in (off, on):
        tiles = [cv2.resize(f[y:y + ch, x:x + cw], (2 * cw, 2 * ch), interpolation=cv2.INTER_NEAREST)
                 for f in frames[first:first + 6]]
        gap = np.full((2 * ch, 4, 3), 255, np.uint8)
        rows.append(np.concatenate(sum(([t, gap] for t in tiles), [])[:-1], 1))
    sheet = np.concatenate([rows[0], np.full((6, rows[0].shape[1], 3), 255, np.uint8), rows[1]], 0)
    Image.fromarray(sheet).save(path)


def parse_runs(spec: str) -> list[tuple[str, str, str | None]]:
    """LABEL=MODEL@SMOOTHING items; SMOOTHING 'default' leaves the CLI's default."""
    runs = []
    for item in filter(None, spec.split(",")):
        label, _, rest = item.partition("=")
        model, _, smoothing = rest.rpartition("@")
        if not label or not model or not smoothing:
            raise SystemExit(f"temporal_eval: --runs item {item!r} is not LABEL=MODEL@SMOOTHING")
        runs.append((label, model, None if smoothing == "default" else smoothing))
    if len({label for label, _, _ in runs}) != len(runs):
        raise SystemExit("temporal_eval: --runs labels must differ")
    return runs


def results_table(results: list[dict], labels: list[str]) -> list[str]:
    """One row per clip; each figure of the later runs with its ratio to the first run's."""
    first = labels[0]
    lines = ["| clip | size | " + " | ".join(f"{what} ({' → '.join(labels)})" for what in
                                            ("warping error", "sharpness", "1/4-scale sharpness", "style ratio", "ms/frame"))
             + " |", "|---|---|" + "---|" * 5]

    def cell(r: dict, key: str, fmt: str, ratio: bool) -> str:
        if key not in r[first]:
            return "–"
        parts = [format(r[first][key], fmt)]
        for label in labels[1:]:
            value = format(r[label][key], fmt)
            parts.append(f"{value} ({r[label][key] / r[first][key]:.2f})" if ratio else value)
        return " → ".join(parts)

    for r in results:
        lines.append(f"| {r.get('label', r['clip'])} | {r['size']} | {cell(r, 'warping_error', '.1f', True)} | "
                     f"{cell(r, 'sharpness', '.2f', True)} | {cell(r, 'sharpness_quarter', '.2f', True)} | "
                     f"{cell(r, 'style_ratio', '.3f', False)} | {cell(r, 'ms_per_frame', '.1f', False)} |")
    return lines


def where_table(results: list[dict], labels: list[str]) -> list[str]:
    """One row per clip: the warping error pooled over moving and over still pixels, the input
    frames' own first (the floor where the reference flow fails), each run's ratio to the first run."""
    first = labels[0]
    lines = [f"Where the error is (pixels whose reference flow moves more than {MOVING_PX} px, and the rest; "
             "means pooled over the clip, the input frames' own error first):", "",
             "| clip | moving pixels | input's own warping error | moving (input, " + ", ".join(labels) +
             ") | still (input, " + ", ".join(labels) + ") | error share on moving (" + ", ".join(labels) + ") |",
             "|---|---|---|---|---|---|"]

    def part(r: dict, where: str) -> str:
        key = f"{where}_error"
        parts = [f"{r['input'][where]:.1f}", f"{r[first][key]:.1f}"]
        for label in labels[1:]:
            parts.append(f"{r[label][key]:.1f} ({r[label][key] / max(r[first][key], 1e-9):.2f})")
        return " / ".join(parts)

    for r in results:
        lines.append(f"| {r.get('label', r['clip'])} | {r['input']['moving_pixels']:.0%} | {r['input']['warping_error']:.1f} | "
                     f"{part(r, 'moving')} | {part(r, 'still')} | "
                     + " / ".join(f"{r[label]['moving_error_share']:.0%}" for label in labels) + " |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vidstyle", default=".build/release/vidstyle")
    p.add_argument("--model", default="Sources/VidStyleKit/Resources/vidstyle-default.safetensors")
    p.add_argument("--data", default="data")
    p.add_argument("--styles", default="../shared/data/styles")
    p.add_argument("--out", default="docs/temporal")
    p.add_argument("--frames", type=int, default=40)
    p.add_argument("--style", default="0", help="style index, comma-separated indices, or 'all'")
    p.add_argument("--smoothing", default=None, help="the 'on' setting (default: the CLI's default)")
    p.add_argument("--clips", default=",".join(REAL_CLIPS), help="real clips from DATA/videos, comma-separated")
    p.add_argument("--strip-clip", default="cockatoo.mp4")
    p.add_argument("--no-style-loss", action="store_true", help="skip the VGG style-loss ratio")
    p.add_argument("--precision", choices=("auto", "int8", "fp32"),
                   help="passed to vidstyle (fp32 compares a model without int8 calibration fairly)")
    p.add_argument("--runs", help="compare other settings than off/on of --model: comma-separated "
                                  "LABEL=MODEL@SMOOTHING (SMOOTHING 'default' for the CLI's own), e.g. "
                                  "old=Sources/...safetensors@0,new=v2.safetensors@0,new-on=v2.safetensors@default; "
                                  "every ratio is against the first run")
    args = p.parse_args()
    runs = parse_runs(args.runs) if args.runs else [("off", args.model, "0"), ("on", args.model, args.smoothing)]
    os.makedirs(args.out, exist_ok=True)
    photo = os.path.join(args.data, "content", PAN_PHOTO)
    for need in (photo, args.vidstyle):
        if not os.path.exists(need):
            raise SystemExit(f"temporal_eval: {need} is missing (tools/fetch_data.sh data; a release build)")

    catalog = json.loads(subprocess.run([args.vidstyle, "styles", "--json", "--model", runs[0][1]],
                                        check=True, capture_output=True, text=True).stdout)
    try:
        chosen = parse_style_list(args.style, len(catalog))
    except ValueError as error:
        raise SystemExit(f"temporal_eval: {error}")
    names = {s["index"]: s["name"] for s in catalog}
    metrics = None
    paintings = {}
    if not args.no_style_loss:
        import torch
        from evaluate import Metrics, STYLE_LAYERS  # noqa: F401  (the evaluation's own loss)
        from vidstyle_tools.vgg import gram
        torch.set_num_threads(2)
        metrics = Metrics(os.path.join(args.data, "vgg", "vgg16.ckpt"))
        for s in catalog:
            if s["index"] in chosen:
                picture = Image.open(os.path.join(args.styles, s["image"])).convert("RGB")
                paintings[s["index"]] = {l: gram(f) for l, f in metrics.features(picture).items()}

    clips = [("pan", lambda: pan_clip(photo, args.frames)), ("noisy", lambda: noisy_clip(photo, args.frames))]
    for name in filter(None, args.clips.split(",")):
        clips.append((name, lambda name=name: read_frames(os.path.join(args.data, "videos", name), args.frames, 640)))

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in clips:
            inputs = make()
            src = os.path.join(tmp, "in.mkv")
            write_lossless(inputs, src)
            reference = FlowReference(inputs)
            own = {"warping_error": reference.warping_error(inputs), **reference.error_by_motion(inputs)}
            # The unstylized frames' features serve every run and style of this clip.
            input_features = {} if metrics is None else {
                t: metrics.features(Image.fromarray(inputs[t])) for t in STYLE_FRAMES if t < len(inputs)}
            for style in chosen:
                row = {"clip": name, "style": style, "size": f"{inputs[0].shape[1]}x{inputs[0].shape[0]}",
                       "frames": len(inputs), "input": own}
                if len(chosen) > 1:
                    row["label"] = f"{name}, {style} {names[style]}"
                outputs = evaluate_runs(args.vidstyle, args.precision, runs, row, reference, src, tmp, style,
                                        metrics, input_features, paintings.get(style))
                results.append(row)
                print(f"temporal_eval: {row.get('label', name)} " + " ".join(f"{label} {row[label]}" for label, _, _ in runs),
                      flush=True)
                if (style == chosen[0] and (name == "pan" or name == args.strip_clip) and len(runs) > 1
                        and len(inputs) >= 7):
                    strip(inputs, reference.motion, outputs[runs[0][0]], outputs[runs[1][0]],
                          os.path.join(args.out, f"{os.path.splitext(name)[0]}-strip.png"), first=min(20, len(inputs) - 7))

    labels = [label for label, _, _ in runs]
    lines = results_table(results, labels) + ["", *where_table(results, labels)]
    if len(chosen) > 1 and len(runs) > 1:
        lines += ["", *style_summary(results, labels, names)]
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def evaluate_runs(vidstyle: str, precision: str | None, runs: list[tuple[str, str, str | None]], row: dict,
                  reference: FlowReference, src: str, tmp: str, style: int, metrics, input_features: dict,
                  painting: dict | None) -> dict[str, list[np.ndarray]]:
    """Paints `src` once per run in `style` and fills `row` with each run's figures (the style
    ratio against `input_features`, the unstylized frames' VGG features by frame index);
    returns the outputs."""
    outputs = {}
    for label, model, smoothing in runs:
        dst = os.path.join(tmp, f"out-{label}.mkv")
        seconds = stylize(vidstyle, model, src, dst, smoothing, style, precision)
        out = read_frames(dst, row["frames"])
        assert len(out) == row["frames"], f"{row['clip']}: {len(out)} output frames for {row['frames']} inputs"
        outputs[label] = out
        entry = {"warping_error": reference.warping_error(out), "sharpness": sharpness(out, False),
                 "sharpness_quarter": sharpness(out, True), "ms_per_frame": 1000 * seconds / len(out)}
        split = reference.error_by_motion(out)
        entry.update(moving_error=split["moving"], still_error=split["still"],
                     moving_error_share=split["moving_error_share"])
        if metrics is not None:
            ratios = []
            for t, f_in in input_features.items():
                f_out = metrics.features(Image.fromarray(out[t]))
                ratios.append(metrics.style_loss(f_out, painting) / metrics.style_loss(f_in, painting))
            entry["style_ratio"] = float(np.mean(ratios))
        row[label] = entry
    row["mask_fraction"] = float(np.mean([m.mean() for m in reference.masks]))
    return outputs


if __name__ == "__main__":
    main()
