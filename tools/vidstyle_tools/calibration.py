"""The pictures that int8 calibration sees: one choice for every quantizer in the project.

vidstyle's own int8 ranges (tools/calibrate.py) and ONNX Runtime's static quantization in the
benchmark (tools/bench_reference.py) calibrate on the images chosen here, prepared the same way,
so the two int8 results rest on the same data.

Which files: a seeded random sample of the training images (dataset.py's photographs and video
frames less its held-out set, which is never looked at), sorted by name. The same data, count
and seed give the same list on every machine; image_list_sha256 in the result names it.

How prepared, like a video frame going through FrameStylizer: the picture (first shrunk to a
long side of twice the larger frame side, as dataset.load_rgb01 does) is scaled, keeping its
aspect ratio, until it covers the frame size (bilinear, antialiased when shrinking), cropped to
the frame around its centre, and given the stylizer's mirrored margins, the right and bottom
grown to the model's input multiple. Values are RGB in 0..1, float32.
"""
from __future__ import annotations

import hashlib
import os
import random

import torch
import torch.nn.functional as F

from .dataset import held_out_names, load_rgb01, photo_names

DEFAULT_COUNT = 20  # the shipped model's calibration and the benchmark's ORT int8
DEFAULT_SEED = 16


def training_images(data_dir: str, count: int = DEFAULT_COUNT,
                    seed: int = DEFAULT_SEED) -> tuple[list[str], str]:
    """The calibration files (paths, sorted) and the sha256 of their names, one per line."""
    folder = os.path.join(data_dir, "content")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder} is missing (tools/fetch_data.sh {data_dir} fetches it)")
    names = photo_names(os.listdir(folder))
    held = set(held_out_names(names))
    train = [n for n in names if n not in held]
    chosen = sorted(random.Random(seed).sample(train, min(count, len(train))))
    assert not set(chosen) & held
    digest = hashlib.sha256("\n".join(chosen).encode()).hexdigest()
    return [os.path.join(folder, n) for n in chosen], digest


def evenly_spaced(items: list, n: int) -> list:
    """n of the items, spread evenly over the list (all of them when n >= len(items))."""
    if n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


def video_crop(img: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """[3,h,w] scaled to cover width x height and centre-cropped to it: [3,height,width]."""
    _, h, w = img.shape
    s = max(width / w, height / h)
    nh, nw = max(height, round(h * s)), max(width, round(w * s))
    img = F.interpolate(img[None], size=(nh, nw), mode="bilinear", align_corners=False,
                        antialias=s < 1)[0]
    y, x = (nh - height) // 2, (nw - width) // 2
    return img[:, y:y + height, x:x + width].clamp(0, 1)


def padded(x: torch.Tensor, margin: int, multiple: int = 4) -> torch.Tensor:
    """FrameStylizer's network input for a [3,h,w] frame: [1,3,H,W] with mirrored margins."""
    _, h, w = x.shape
    pw = (w + 2 * margin + multiple - 1) // multiple * multiple
    ph = (h + 2 * margin + multiple - 1) // multiple * multiple
    if pw == w and ph == h:
        return x[None]
    return F.pad(x[None], (margin, pw - w - margin, margin, ph - h - margin), mode="reflect")


def frame_crop(path: str, width: int, height: int) -> torch.Tensor:
    """One calibration picture as a width x height frame: [3,height,width] in 0..1."""
    return video_crop(load_rgb01(path, 2 * max(width, height)), width, height)


def calibration_inputs(data_dir: str, width: int, height: int, margin: int, count: int = DEFAULT_COUNT,
                       seed: int = DEFAULT_SEED, multiple: int = 4,
                       use: int | None = None) -> tuple[list[torch.Tensor], str]:
    """Network inputs for frames of width x height: ([1,3,H,W] tensors, image_list_sha256).

    use picks that many of the count files, evenly spaced, where a slower quantizer wants
    fewer (the digest still names the whole list they come from)."""
    paths, digest = training_images(data_dir, count, seed)
    if use is not None:
        paths = evenly_spaced(paths, use)
    return [padded(frame_crop(p, width, height), margin, multiple) for p in paths], digest
