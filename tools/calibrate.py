#!/usr/bin/env python3
"""Adds int8 calibration to a vidstyle model file, so the engine can run it in int8.

  python tools/calibrate.py MODEL.safetensors --data data --out MODEL_INT8.safetensors
  python tools/calibrate.py MODEL --noise 24 --size 28x20 --margin 0 --out OUT   (test fixtures)

The fp32 network (tools/vidstyle_tools/architecture.py) paints training crops at a video-like
size, WIDTHxHEIGHT plus the stylizer's mirrored margins rounded up to the model's multiple (as
FrameStylizer pads frames), once per style. Forward pre-hooks record a random sample of every
convolution's input values; from them each convolution gets a clipping range (method mse: the
range with the least quantization error on the sample, searched between the 99th percentile and
the maximum of |x|; method percentile: a high percentile of |x|). The ranges go into the
"vidstyle.quantization" metadata as JSON:

  {"format_version": 1,
   "convs": {"enc1": {"input_range": 1.0, "signed": false}, ...},
   "calibration": {how: method, images, size, styles, and the simulated int8 PSNR}}

Weight scales are not stored: the engine derives them per output channel from the weights.
Only training images are used: the held-out ones (tools/vidstyle_tools/dataset.py) are what
tools/evaluate.py judges int8 on, and are never looked at here. Every tensor is written back
bit-identical (checked before the file is replaced), with the other metadata unchanged.

--keep-fp32 NAME[,NAME] leaves convolutions out of the table (they then run fp32). Finally the
fake-quantized network (the engine's rounding and clipping, in float) is compared with fp32 on
some of the crops, and the PSNR per style is printed and stored.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import edge_margin  # noqa: E402
from vidstyle_tools.export import load_model  # noqa: E402
from vidstyle_tools.calibration import DEFAULT_COUNT, DEFAULT_SEED, frame_crop, padded, training_images  # noqa: E402
from vidstyle_tools.quantization import (FORMAT_VERSION, METADATA_KEY, choose_range,  # noqa: E402
                                         conv_input_signed, fake_quantized_forward, psnr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--out", required=True, help="the calibrated model file (may be MODEL itself)")
    p.add_argument("--data", default="data")
    p.add_argument("--images", type=int, default=DEFAULT_COUNT,
                   help="training images to calibrate on (tools/vidstyle_tools/calibration.py's choice)")
    p.add_argument("--noise", type=int, default=0,
                   help="calibrate on this many smooth random images instead of --data (test fixtures)")
    p.add_argument("--size", default="640x360", help="crop size before the margins, WIDTHxHEIGHT")
    p.add_argument("--margin", type=int, help="mirrored margin per side (default: the model's, StyleModel.edgeMargin)")
    p.add_argument("--method", choices=["mse", "percentile"], default="mse")
    p.add_argument("--percentile", type=float, default=99.99)
    p.add_argument("--samples", type=int, default=20000, help="values sampled per conv per forward pass")
    p.add_argument("--keep-fp32", default="", help="comma-separated conv names to leave in fp32")
    p.add_argument("--check-images", type=int, default=6, help="images for the simulated int8 PSNR")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    width, height = (int(v) for v in args.size.lower().split("x"))

    net, metadata, tensors, styles = load_model(args.model)
    arch = net.arch
    multiple = int(arch["input_multiple"])
    if args.margin is None:
        args.margin = edge_margin(arch)
    keep = {n for n in args.keep_fp32.split(",") if n}
    unknown = keep - set(net.convs.keys())
    if unknown:
        sys.exit(f"calibrate: --keep-fp32 names {sorted(unknown)} are not convolutions of {args.model}")
    signed = conv_input_signed(arch)

    if args.noise:
        # Smooth random pictures: low-resolution noise blown up, so there are areas and edges.
        gen = torch.Generator().manual_seed(args.seed)
        crops = [F.interpolate(torch.rand(1, 3, max(2, height // 4), max(2, width // 4), generator=gen),
                               size=(height, width), mode="bilinear", align_corners=False)[0]
                 for _ in range(args.noise)]
        source = {"noise_images": args.noise}
    else:
        paths, digest = training_images(args.data, args.images, args.seed)
        crops = [frame_crop(path, width, height) for path in paths]
        source = {"training_images": len(paths), "image_list_sha256": digest}
    inputs = [padded(c, args.margin, multiple) for c in crops]

    samples: dict[str, list[np.ndarray]] = {name: [] for name in net.convs}
    generator = torch.Generator().manual_seed(args.seed)

    def recorder(name):
        def hook(_module, inp):
            flat = inp[0].detach().flatten()
            pick = torch.randint(0, flat.numel(), (min(args.samples, flat.numel()),), generator=generator)
            samples[name].append(flat[pick].numpy().copy())
        return hook

    handles = [conv.register_forward_pre_hook(recorder(name)) for name, conv in net.convs.items()]
    with torch.no_grad():
        for n, x in enumerate(inputs):
            for s in range(len(styles)):
                sw = torch.zeros(1, len(styles))
                sw[0, s] = 1
                net(x, sw)
            print(f"calibrate: image {n + 1}/{len(inputs)} at {x.shape[3]}x{x.shape[2]}, {len(styles)} styles", flush=True)
    for h in handles:
        h.remove()

    convs = {}
    for layer in arch["layers"]:
        if layer["op"] != "conv" or layer["name"] in keep:
            continue
        name = layer["name"]
        values = np.concatenate(samples[name])
        if not signed[name] and values.min() < 0:
            sys.exit(f"calibrate: conv {name}'s input was expected non-negative but has {values.min()}")
        bound = choose_range(values, signed[name], args.method, args.percentile)
        convs[name] = {"input_range": round(bound, 6), "signed": signed[name]}
        print(f"calibrate: {name:8s} {'s8' if signed[name] else 'u8'} range {bound:9.4f} "
              f"(max {np.abs(values).max():9.4f}, 99.99% {np.percentile(np.abs(values), 99.99):9.4f})")

    ranges = {name: entry["input_range"] for name, entry in convs.items()}
    check = inputs[:args.check_images]
    simulated = {}
    with torch.no_grad():
        for levels in (127, 63):
            per_style = {}
            for s, style in enumerate(styles):
                sw = torch.zeros(1, len(styles))
                sw[0, s] = 1
                values = [psnr(fake_quantized_forward(net, x, sw, ranges, levels), net(x, sw)) for x in check]
                per_style[style["name"]] = round(float(np.mean(values)), 2)
            simulated[f"weights_{levels}_levels"] = per_style
            print(f"calibrate: simulated int8 vs fp32 PSNR (dB), weights in ±{levels}: {per_style}")

    calibration = {"method": args.method, **({"percentile": args.percentile} if args.method == "percentile" else {}),
                   **source, "size": f"{width}x{height}", "margin": args.margin,
                   "network_size": f"{inputs[0].shape[3]}x{inputs[0].shape[2]}", "styles": "each style one-hot",
                   "samples_per_pass": args.samples, "seed": args.seed, "kept_fp32": sorted(keep),
                   "simulated_psnr_db": simulated}
    new_metadata = dict(metadata)
    new_metadata[METADATA_KEY] = json.dumps({"format_version": FORMAT_VERSION, "convs": convs,
                                             "calibration": calibration})
    tmp = args.out + ".tmp"
    save_file({k: v.contiguous() for k, v in tensors.items()}, tmp, metadata=new_metadata)
    with safe_open(tmp, "pt") as f:
        assert set(f.keys()) == set(tensors), "calibrate: the tensor names changed"
        for k in tensors:
            t = f.get_tensor(k)
            assert t.dtype == tensors[k].dtype and t.shape == tensors[k].shape and torch.equal(t, tensors[k]), k
            assert t.numpy().tobytes() == tensors[k].numpy().tobytes(), f"calibrate: tensor {k} is not bit-identical"
        written = dict(f.metadata())
        assert {k: v for k, v in written.items() if k != METADATA_KEY} == {k: v for k, v in metadata.items() if k != METADATA_KEY}
    os.replace(tmp, args.out)
    print(f"calibrate: wrote {args.out} with int8 ranges for {len(convs)} of {len(net.convs)} convolutions; "
          f"every tensor bit-identical to {args.model}")


if __name__ == "__main__":
    main()
