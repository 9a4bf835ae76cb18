"""Writes a StyleNet to the safetensors file the Swift engine reads.

Metadata (all values are strings, as safetensors requires):
  vidstyle.architecture  the architecture record as JSON (see architecture.py)
  vidstyle.styles        JSON list of {index, name, painter, painting, image}
  vidstyle.training      JSON object: steps, seconds, content/style data hashes, ...
"""
from __future__ import annotations

import json
import os

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from .architecture import StyleNet, arch_json


PUBLIC_STYLE_KEYS = ("index", "name", "painter", "painting", "image")


def export_model(net: StyleNet, styles: list[dict], training: dict, path: str) -> None:
    metadata = {
        "vidstyle.architecture": arch_json(net.arch),
        # Training-only columns (style_weight) stay in vidstyle.training, not in the style list.
        "vidstyle.styles": json.dumps([{k: s[k] for k in PUBLIC_STYLE_KEYS} for s in styles], ensure_ascii=False),
        "vidstyle.training": json.dumps(training),
    }
    tmp = path + ".tmp"
    save_file(net.tensors(), tmp, metadata=metadata)
    os.replace(tmp, path)


def load_model(path: str) -> tuple[StyleNet, dict, dict, list[dict]]:
    """A model file back as (network in eval mode, metadata, tensors as stored, styles list): the
    network is built from the file's own architecture record, so tools measure what the engine
    runs."""
    with safe_open(path, "pt") as f:
        metadata = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    arch = json.loads(metadata["vidstyle.architecture"])
    styles = json.loads(metadata["vidstyle.styles"])
    net = StyleNet(arch, len(styles))
    with torch.no_grad():
        for name, conv in net.convs.items():
            conv.weight.copy_(tensors[f"{name}.weight"].float())
            if conv.bias is not None:
                conv.bias.copy_(tensors[f"{name}.bias"].float())
        for name in net.scales:
            net.scales[name].copy_(tensors[f"{name}.scale"].float())
            net.shifts[name].copy_(tensors[f"{name}.shift"].float())
    return net.eval(), metadata, tensors, styles


def read_styles_table(path: str) -> list[dict]:
    """tools/styles.tsv: file, name, painter, painting, and an optional style_weight (the
    multiplier of that painting's style loss in training, 1 if absent); the row order is the
    style index."""
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if line.strip():
                rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return [{"index": i, "name": r["name"], "painter": r["painter"], "painting": r["painting"],
             "image": r["file"], "style_weight": float(r.get("style_weight") or 1.0)}
            for i, r in enumerate(rows)]


def override_style_weights(styles: list[dict], spec: str) -> None:
    """Sets the style_weight of the styles named in `spec` ("name=weight,name=weight"), for a
    run whose loss fades some styles more than the table's run did; raises ValueError naming a
    pair that is malformed or names no style."""
    for pair in (spec or "").split(","):
        if not pair.strip():
            continue
        name, _, weight = pair.partition("=")
        match = [s for s in styles if s["name"] == name.strip()]
        try:
            value = float(weight)
        except ValueError:
            value = None
        if not match or value is None or value < 0:
            raise ValueError(f"'{pair}' is not NAME=WEIGHT with a style of the table "
                             f"({', '.join(s['name'] for s in styles)}) and a weight >= 0")
        match[0]["style_weight"] = value
