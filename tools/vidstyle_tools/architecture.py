"""The one definition of vidstyle's network.

The architecture is a plain list of layer records. The PyTorch module below is built from that
list, and the list itself is written into the safetensors metadata (key ``architecture``), where
the Swift engine reads it to build its oneDNN graph. Changing the network therefore means
changing ``slim_architecture`` only; docs/architecture.md describes every op.

Ops (all tensors are NCHW, float32, one image at a time in the engine):
  conv      {name, in, out, kernel, stride, bias, padding}
                                                  padding "zeros" (format 1, where the key is
                                                  absent) or "reflect", kernel//2 on every side;
                                                  weight [out,in,k,k]
  norm      {name, channels, relu}                 conditional instance norm, eps 1e-5, biased
                                                   variance; per-style scale/shift [styles, C]
  save                                            push the current tensor (residual start)
  add                                             pop a saved tensor and add it
  upsample  {factor}                              nearest-neighbour
  pixel_shuffle {factor}                          depth-to-space, PyTorch channel order
  sigmoid                                         logistic; the output lies in 0..1
Input: RGB in 0..1, height and width multiples of ``input_multiple``.
"""
from __future__ import annotations

import json
import torch
import torch.nn as nn
import torch.nn.functional as F

NORM_EPS = 1e-5


PADDINGS = ("zeros", "reflect")


def slim_architecture(width: int = 32, blocks: int = 4, padding: str = "zeros") -> dict:
    """The default network: cheap full-resolution ends, the work at quarter resolution.

    ``padding="reflect"`` mirrors every convolution's input instead of padding it with zeros, so
    the network cannot tell its input's edges from its inside and paints no streaks there; the
    engine then needs only a small margin around a frame (format 2 of the record)."""
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, not {padding!r}")
    layers: list[dict] = []

    def conv(name, cin, cout, k, stride=1, bias=False):
        record = {"op": "conv", "name": name, "in": cin, "out": cout, "kernel": k,
                  "stride": stride, "bias": bias}
        if padding != "zeros":
            record["padding"] = padding
        layers.append(record)

    def norm(name, c, relu):
        layers.append({"op": "norm", "name": name, "channels": c, "relu": relu})

    w1, w2 = width // 2, width
    wq = width * 2
    conv("enc1", 3, w1, 5)
    norm("enc1_norm", w1, True)
    conv("enc2", w1, w2, 3, stride=2)
    norm("enc2_norm", w2, True)
    conv("enc3", w2, wq, 3, stride=2)
    norm("enc3_norm", wq, True)
    for b in range(blocks):
        layers.append({"op": "save"})
        conv(f"res{b}_a", wq, wq, 3)
        norm(f"res{b}_a_norm", wq, True)
        conv(f"res{b}_b", wq, wq, 3)
        norm(f"res{b}_b_norm", wq, False)
        layers.append({"op": "add"})
    layers.append({"op": "upsample", "factor": 2})
    conv("dec1", wq, w2, 3)
    norm("dec1_norm", w2, True)
    conv("dec2", w2, 3 * 4, 3, bias=True)
    layers.append({"op": "pixel_shuffle", "factor": 2})
    layers.append({"op": "sigmoid"})
    suffix = "" if padding == "zeros" else "-reflect"
    return {"name": f"cin-slim-w{width}-b{blocks}{suffix}", "format_version": 1 if padding == "zeros" else 2,
            "input_multiple": 4, "layers": layers}


def edge_margin(arch: dict) -> int:
    """The mirrored margin vidstyle's stylizer puts around a frame for this architecture
    (StyleModel.edgeMargin): 16 px where every convolution mirrors its input, 24 px otherwise,
    the least that keeps zero padding's edge streaks out of the picture for the shipped model
    (docs/performance.md, "Margin")."""
    convs = [layer for layer in arch["layers"] if layer["op"] == "conv"]
    return 16 if all(layer.get("padding") == "reflect" for layer in convs) else 24


class StyleNet(nn.Module):
    """A network built from an architecture record, conditioned on style weights."""

    def __init__(self, arch: dict, num_styles: int):
        super().__init__()
        self.arch = arch
        self.num_styles = num_styles
        self.convs = nn.ModuleDict()
        self.scales = nn.ParameterDict()
        self.shifts = nn.ParameterDict()
        for layer in arch["layers"]:
            if layer["op"] == "conv":
                self.convs[layer["name"]] = nn.Conv2d(layer["in"], layer["out"], layer["kernel"],
                                                      layer["stride"], layer["kernel"] // 2,
                                                      bias=layer["bias"],
                                                      padding_mode=layer.get("padding", "zeros"))
            elif layer["op"] == "norm":
                c = layer["channels"]
                self.scales[layer["name"]] = nn.Parameter(torch.ones(num_styles, c))
                self.shifts[layer["name"]] = nn.Parameter(torch.zeros(num_styles, c))

    def forward(self, x: torch.Tensor, style_weights: torch.Tensor, convolve=None) -> torch.Tensor:
        """x: [N,3,H,W] in 0..1; style_weights: [N, styles], rows summing to 1 (one-hot for a
        single style, a convex blend for a mix). ``convolve(name, conv, x)``, when given, computes
        each convolution instead of ``conv(x)`` (tools/vidstyle_tools/quantization.py runs them
        as the engine does in int8)."""
        saved = []
        for layer in self.arch["layers"]:
            op = layer["op"]
            if op == "conv":
                conv = self.convs[layer["name"]]
                x = conv(x) if convolve is None else convolve(layer["name"], conv, x)
            elif op == "norm":
                x = F.instance_norm(x, eps=NORM_EPS)  # per image and channel, biased variance
                scale = style_weights @ self.scales[layer["name"]]
                shift = style_weights @ self.shifts[layer["name"]]
                x = x * scale[:, :, None, None] + shift[:, :, None, None]
                if layer["relu"]:
                    x = F.relu(x)
            elif op == "save":
                saved.append(x)
            elif op == "add":
                x = x + saved.pop()
            elif op == "upsample":
                x = F.interpolate(x, scale_factor=layer["factor"], mode="nearest")
            elif op == "pixel_shuffle":
                x = F.pixel_shuffle(x, layer["factor"])
            elif op == "sigmoid":
                x = torch.sigmoid(x)
            else:
                raise ValueError(f"unknown op {op}")
        return x

    def tensors(self) -> dict[str, torch.Tensor]:
        """The weights under the names the Swift engine looks up."""
        out = {}
        for name, conv in self.convs.items():
            out[f"{name}.weight"] = conv.weight.detach().float().contiguous()
            if conv.bias is not None:
                out[f"{name}.bias"] = conv.bias.detach().float().contiguous()
        for name in self.scales:
            out[f"{name}.scale"] = self.scales[name].detach().float().contiguous()
            out[f"{name}.shift"] = self.shifts[name].detach().float().contiguous()
        return out


def arch_json(arch: dict) -> str:
    return json.dumps(arch, separators=(",", ":"))
