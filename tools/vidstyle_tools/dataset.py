"""Content images for training and evaluation, with a fixed held-out set.

The held-out set is chosen by hash of the file name, so every machine that fetched the same
data holds out the same images. Frames taken from videos are never held out (frames of one
video are too alike for a fair test); the held-out images are all photographs.
"""
from __future__ import annotations

import hashlib
import os
import random
import re

import numpy as np
import torch
from PIL import Image

HELD_OUT_COUNT = 12
PRELOAD_LONG_SIDE = 640

# The packages ship more than photographs: test patterns, text, diagrams, abstract renders,
# screenshots, and one painting (starry_night.jpg, a style). Names containing these are left
# out, so the network learns on, and is judged on, real scenes.
NOT_PHOTOS = (
    "screenshot", "abstract_", "desktop_", "logo", "text", "digits", "sudoku", "chessboard",
    "gradient", "ellipses", "_pic2", "_pic4", "_board", "_box", "imageTextR", "_ml.png", "cards",
    "starry_night", "graf", "_page", "_cell", "ihc", "coins", "retina", "hubble", "aloeGT",
    "_motion", "ela_modified", "_color.png", "brick", "grass", "gravel", "_moon", "camera",
    "Altai", "Canopee", "Cascade", "Cluster", "Elarun", "Flow_", "FlyingKonqui", "Honeywave",
    "IceCold", "Kay_", "Kokkini", "Opal", "Patak", "Shell_", "Volna", "Grey_", "Kite_",
    "analogpattern", "greentock", "Painting-Colors", "Picture_0B", "Picture_1A", "free_by",
    "hfs_data", "plant_new_backgrounds", "_dark_",
)
RESOLUTION = re.compile(r"_\d{3,4}x\d{3,4}")


def is_photo(name: str) -> bool:
    return not any(p in name for p in NOT_PHOTOS)


def photo_names(names: list[str]) -> list[str]:
    """Photographs only, and one file per picture where a package ships several sizes."""
    seen, out = set(), []
    for n in sorted(names):
        if not is_photo(n):
            continue
        key = RESOLUTION.sub("", n)
        key = re.sub(r"_(3840x2160|5640x3172)", "", key)
        if key in seen:
            continue
        seen.add(key)
        out.append(n)
    return out


def load_rgb01(path: str, long_side: int | None = None) -> torch.Tensor:
    """An image as a [3,H,W] float tensor in 0..1, optionally resized to a long side."""
    img = Image.open(path).convert("RGB")
    if long_side:
        w, h = img.size
        s = long_side / max(w, h)
        if s < 1:
            img = img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BICUBIC)
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous()


# The held-out photos of the full data set (tools/fetch_data.sh), as held_out_names picked them.
# Written out because learning a user style sees only part of that set (the photos
# tools/setup_learning.sh fetches), where the hash rule would pick others: the learner leaves
# these out by name, so tools/evaluate.py always judges on pictures it never learned from.
EVALUATION_PHOTOS = (
    "usr_share_backgrounds_mate_nature_FreshFlower.jpg", "usr_share_wallpapers_summer_1am_contents_images_2560x1600.jpg",
    "usr_share_doc_opencv-doc_examples_data_fruits.jpg", "usr_share_kphotoalbum_demo_pool.jpg",
    "usr_share_wallpapers_OneStandsOut_contents_images_2560x1600.jpg", "usr_share_backgrounds_mate_nature_GreenMeadow.jpg",
    "usr_share_doc_opencv-doc_examples_data_squirrel_cls.jpg", "usr_share_kphotoalbum_demo_skagen_2.jpg",
    "usr_share_backgrounds_Bridge_by_Sander_Klootwijk.jpg", "usr_share_wallpapers_PastelHills_contents_images_3200x2000.jpg",
    "usr_lib_python3_dist-packages_skimage_data_astronaut.png", "usr_share_kphotoalbum_demo_cold_water.jpg",
)


def held_out_names(names: list[str]) -> list[str]:
    photos = [n for n in photo_names(names) if not n.startswith("frame_")]
    return sorted(photos, key=lambda n: hashlib.sha1(n.encode()).hexdigest())[:HELD_OUT_COUNT]


class ContentSet:
    def __init__(self, data_dir: str):
        folder = os.path.join(data_dir, "content")
        names = photo_names(os.listdir(folder))
        self.held_out_names = held_out_names(names)
        held = set(self.held_out_names)
        self.train_names = [n for n in names if n not in held]
        self.held_out = [os.path.join(folder, n) for n in self.held_out_names]
        self.train = []
        for n in self.train_names:
            try:
                self.train.append(load_rgb01(os.path.join(folder, n), PRELOAD_LONG_SIDE))
            except Exception as e:  # a damaged file in a package is skipped, not fatal
                print(f"dataset: skipping {n}: {e}")

    def batch(self, n: int, size: int, max_zoom_out: float = 0) -> torch.Tensor:
        """n random crops, each of a random scale, resized to size x size, randomly mirrored.

        max_zoom_out > 0 keeps the crops near the pictures' own scale (a crop side of at most
        that many times ``size``): the network paints at a fixed stroke size in pixels, and a
        whole photo squeezed into a small crop teaches it nothing about the large flat areas of
        a real frame."""
        out = torch.empty(n, 3, size, size)
        for i in range(n):
            img = random.choice(self.train)
            _, h, w = img.shape
            side = min(h, w)
            largest = side if max_zoom_out <= 0 else min(side, max(size, int(size * max_zoom_out)))
            c = random.randint(min(largest, max(size // 2, int(side * 0.3))), largest)
            y, x = random.randint(0, h - c), random.randint(0, w - c)
            patch = img[:, y:y + c, x:x + c][None]
            patch = torch.nn.functional.interpolate(patch, size=(size, size), mode="bilinear",
                                                    align_corners=False, antialias=c > size)[0]
            if random.random() < 0.5:
                patch = patch.flip(2)
            out[i] = patch
        return out
