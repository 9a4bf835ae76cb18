#!/usr/bin/env python3
"""Changes how every convolution of a model file pads its input, keeping the weights.

  python tools/repad.py MODEL.safetensors --padding reflect --out OUT.safetensors

The shipped model was trained with zero padding, which makes the network paint streaks along
its input's edges, so the stylizer mirrored 32 px around every frame and threw that work away.
Mirroring inside the network instead (reflect padding, architecture format 2) leaves the edges
clean with a 16 px margin and the same weights (docs/performance.md, "A smaller margin"); this
tool rewrites the architecture record accordingly. Every tensor is written back bit-identical;
the training metadata gains a "padding" note saying what was changed, and an int8 calibration
("vidstyle.quantization") is dropped, since its ranges were measured with the old padding and
margin: run tools/calibrate.py on the result.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import PADDINGS, arch_json  # noqa: E402
from vidstyle_tools.quantization import METADATA_KEY  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--padding", choices=PADDINGS, required=True)
    p.add_argument("--out", required=True, help="the new model file (may be MODEL itself)")
    args = p.parse_args()
    with safe_open(args.model, "pt") as f:
        metadata = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    arch = json.loads(metadata["vidstyle.architecture"])
    before = sorted({layer.get("padding", "zeros") for layer in arch["layers"] if layer["op"] == "conv"})
    for layer in arch["layers"]:
        if layer["op"] == "conv":
            layer.pop("padding", None)
            if args.padding != "zeros":
                layer["padding"] = args.padding
    base = arch["name"].removesuffix("-reflect")
    arch["name"] = base if args.padding == "zeros" else f"{base}-{args.padding}"
    arch["format_version"] = 1 if args.padding == "zeros" else 2
    metadata["vidstyle.architecture"] = arch_json(arch)
    training = json.loads(metadata.get("vidstyle.training", "{}"))
    training["padding"] = {"now": args.padding, "trained_with": training.get("padding", {}).get("trained_with", before),
                           "changed_by": "tools/repad.py, weights unchanged"}
    metadata["vidstyle.training"] = json.dumps(training)
    dropped = metadata.pop(METADATA_KEY, None) is not None
    tmp = args.out + ".tmp"
    save_file({k: v.contiguous() for k, v in tensors.items()}, tmp, metadata=metadata)
    with safe_open(tmp, "pt") as f:
        assert all(torch.equal(f.get_tensor(k), v) for k, v in tensors.items()), "a tensor changed"
    os.replace(tmp, args.out)
    print(f"repad: {args.out}: {arch['name']} (convolutions padded by {args.padding}, were {', '.join(before)})"
          + ("; int8 calibration dropped, run tools/calibrate.py" if dropped else ""))


if __name__ == "__main__":
    main()
