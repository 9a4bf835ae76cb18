#!/usr/bin/env python3
"""Trains vidstyle's multi-style network (conditional instance norm) with perceptual losses.

  python tools/train.py --data data --styles ../shared/data/styles --run train-runs/main \
      --export Sources/VidStyleKit/Resources/vidstyle-default.safetensors

Resumable: the run folder holds ckpt.pt (model, optimizer, step, elapsed time) and log.tsv;
starting again with the same --run continues where it stopped. The curriculum (crop size per
step range) and all loss weights are arguments, recorded in the exported metadata.
Picks CUDA when one is present, with no other change (every tensor follows `device`); no GPU
has been lent to this project yet, so that path has not been run.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vidstyle_tools.architecture import StyleNet, slim_architecture  # noqa: E402
from vidstyle_tools.export import export_model, override_style_weights, read_styles_table  # noqa: E402
from vidstyle_tools.vgg import VGG16Features, gram  # noqa: E402
from vidstyle_tools.dataset import ContentSet, load_rgb01  # noqa: E402
from vidstyle_tools.losses import (CONTENT_LAYER, STYLE_LAYERS, at_loss_scale, content_distance,  # noqa: E402
                                   gram_distances, luminance_layout, paint_with_margin, style_ratios,
                                   total_variation)
from vidstyle_tools.motion import grain_stability, random_motion, valid_mask, warp  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="data", help="folder written by tools/fetch_data.sh")
    p.add_argument("--styles", required=True, help="folder of style paintings (../shared/data/styles)")
    p.add_argument("--styles-table", default=os.path.join(os.path.dirname(__file__), "styles.tsv"))
    p.add_argument("--run", default="train-runs/main", help="checkpoint and log folder")
    p.add_argument("--export", help="safetensors path written at every checkpoint")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--blocks", type=int, default=3)
    p.add_argument("--padding", choices=("zeros", "reflect"), default="zeros",
                   help="the convolutions' padding; reflect paints clean edges with a small --margin "
                        "(start it from a zero-padded model file with --grow-from)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--style-lr-factor", type=float, default=5.0,
                   help="learning-rate multiple for the per-style norm parameters")
    p.add_argument("--steps", type=int, default=40000, help="stop after this many steps in all")
    p.add_argument("--curriculum", default="0:128,4000:192,9700:256",
                   help="step:crop pairs; each crop size applies from its step on")
    p.add_argument("--max-zoom-out", type=float, default=1.5,
                   help="a training crop covers at most this many times its size in pixels of the "
                        "picture (at most 640 px on the long side); 0: up to the whole picture")
    p.add_argument("--style-size", type=int, default=512, help="long side of the paintings for Gram targets")
    p.add_argument("--loss-scale", type=float, default=1.0,
                   help="resize the output and input crops by this factor before the loss network. The "
                        "evaluation paints at 640 px and judges at 512 px, so the fixed-size strokes are "
                        "judged 0.8 times smaller than trained (the-scream's ratio 0.346 painted at 640 px, "
                        "0.318 at 512); 0.8 matches that (docs/model.md, 'Stroke size')")
    p.add_argument("--margin", type=int, default=32,
                   help="mirror the input by this many pixels on every side before the network and crop "
                        "them from its output, as vidstyle's engine does (FrameStylizer.margin); 0: the "
                        "network's zero-padded border is judged too (docs/model.md, 'The border')")
    p.add_argument("--content-weight", type=float, default=0.16)
    p.add_argument("--style-weight", type=float, default=1.0)
    p.add_argument("--layer-balance-weight", type=float, default=0.5,
                   help="weight of the mean of per-layer style ratios; the summed ratio alone is "
                        "ruled by relu3_3 and leaves the paintings' colours (relu1_2) half matched")
    p.add_argument("--layout-weight", type=float, default=0.5,
                   help="weight of the light-and-dark layout term: the output's blurred luminance, "
                        "standardized per image, must follow the input's (against the embossed look)")
    p.add_argument("--style-weights", metavar="NAME=W,...",
                   help="override tools/styles.tsv's style_weight for these styles in this run (kept in "
                        "the exported file's training record): a style that fades under a new loss term "
                        "gets a stronger pull without editing the table the shipped run used")
    p.add_argument("--tv-weight", type=float, default=10.0)
    p.add_argument("--stability-weight", type=float, default=20.0)
    p.add_argument("--stability-motion", choices=("shift", "warp"), default="shift",
                   help="shift: alternate steps ask the same painting of a noised input and of one "
                        "shifted 1-6 whole pixels; warp: every step moves the crop by a random sub-pixel "
                        "shift, rotation, zoom and (half the time) smooth flow, adds sensor-like noise, "
                        "and asks for the moved painting (tools/vidstyle_tools/motion.py)")
    p.add_argument("--stability-noise", type=float, default=0.03,
                   help="warp motion: the sensor noise's standard deviation is drawn up to this (0..1 scale; "
                        "tools/temporal_eval.py's noisy clip has 8/255 = 0.031)")
    p.add_argument("--stability-noise-weight", type=float, default=0.0,
                   help="warp motion: weight of a second, noise-only term: the painting of the crop with "
                        "fresh sensor noise (standard deviation drawn from 0.01 to --stability-noise) must "
                        "equal the clean crop's, pixel for pixel. Riding on the motion term alone, the noise "
                        "is drowned by the resampling's own differences and a still camera's grain "
                        "still flickers (docs/model.md, 'Model v2'); 0: no such term")
    p.add_argument("--stability-codec", type=float, default=0.0, metavar="P",
                   help="with --stability-noise-weight: on this share of the steps the noisy crop also "
                        "goes through a JPEG round trip at a quality from 30 to 80 (a codec's blocks and "
                        "ringing, which change from frame to frame on the same surface of MPEG-1/2 and "
                        "MPEG-4 clips); its painting must still equal the clean crop's. 0: noise only")
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave default)")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                   help="VGG loss network precision; auto: bf16 where the CPU or GPU computes it natively "
                        "(1.8x faster on AVX512-BF16 CPUs), else fp32")
    p.add_argument("--ema-decay", type=float, default=0.998,
                   help="the exported weights are an exponential moving average of the trained ones "
                        "with this decay per step (0: export the raw weights)")
    p.add_argument("--clip-factor", type=float, default=3.0,
                   help="clip the gradient norm to this many times its running average")
    p.add_argument("--max-minutes", type=float, default=0, help="stop after this long (0: no limit)")
    p.add_argument("--grow-from", metavar="FILE",
                   help="start a deeper network (--blocks) from a trained model file with fewer residual "
                        "blocks: its layers are copied and each added block starts as the identity")
    p.add_argument("--tune-styles", metavar="NAMES",
                   help="comma-separated style names: train only these styles' norm parameters, on "
                        "samples of these styles only, with the shared convolutions and every other "
                        "style left exactly as they are (start from a model file with --grow-from)")
    return p.parse_args()


def crop_size_at(step: int, curriculum: str) -> int:
    size = 128
    for pair in curriculum.split(","):
        s, c = pair.split(":")
        if step >= int(s):
            size = int(c)
    return size


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def exported_arch(path: str) -> dict:
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        return json.loads(f.metadata()["vidstyle.architecture"])


def load_exported(net: StyleNet, path: str, grow: bool = False) -> tuple[int, float]:
    """Loads weights from an exported model file; returns its training steps and seconds.

    With ``grow`` the file may lack some residual blocks of ``net``: those blocks keep their
    fresh convolutions, and the scale and shift of their last norm are zeroed, so each adds
    nothing and the deeper network starts out painting exactly what the file's network paints.
    """
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        training = json.loads(f.metadata().get("vidstyle.training", "{}"))
        present = {key.rsplit(".", 1)[0] for key in f.keys()}
        added = [name for name in [*net.convs, *net.scales] if name not in present]
        if added and not grow:
            raise ValueError(f"{path} lacks layers {added}")
        if any(not name.startswith("res") for name in added):
            raise ValueError(f"{path} differs from this network outside its residual blocks: {added}")
        with torch.no_grad():
            for name, conv in net.convs.items():
                if name in added:
                    continue
                conv.weight.copy_(f.get_tensor(f"{name}.weight"))
                if conv.bias is not None:
                    conv.bias.copy_(f.get_tensor(f"{name}.bias"))
            for name in net.scales:
                if name in added:
                    if name.endswith("_b_norm"):
                        net.scales[name].zero_()
                        net.shifts[name].zero_()
                    continue
                net.scales[name].copy_(f.get_tensor(f"{name}.scale"))
                net.shifts[name].copy_(f.get_tensor(f"{name}.shift"))
    return int(training.get("steps", 0)), float(training.get("seconds", 0))


def use_bf16(precision: str, device: torch.device) -> bool:
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    os.makedirs(args.run, exist_ok=True)
    vgg_bf16 = use_bf16(args.precision, device)

    styles = read_styles_table(args.styles_table)
    tuned = None
    if args.tune_styles:
        names = [s["name"] for s in styles]
        unknown = [n for n in args.tune_styles.split(",") if n not in names]
        if unknown:
            sys.exit(f"train: --tune-styles names {', '.join(unknown)}, not in {args.styles_table} "
                     f"(its styles: {', '.join(names)})")
        tuned = torch.tensor([names.index(n) for n in args.tune_styles.split(",")])
    vgg = VGG16Features(os.path.join(args.data, "vgg", "vgg16.ckpt")).to(device).eval()
    content = ContentSet(args.data)
    print(f"train: {len(content.train)} training images, {len(content.held_out)} held out, "
          f"{len(styles)} styles, device {device}, VGG in {'bf16' if vgg_bf16 else 'fp32'}", flush=True)

    # Gram targets of each painting, computed once.
    style_grams = {l: [] for l in STYLE_LAYERS}
    with torch.no_grad():
        for s in styles:
            img = load_rgb01(os.path.join(args.styles, s["image"]), args.style_size).to(device)
            feats = vgg(img[None], STYLE_LAYERS)
            for l in STYLE_LAYERS:
                style_grams[l].append(gram(feats[l])[0])
    style_grams = {l: torch.stack(v) for l, v in style_grams.items()}

    # Some paintings need a stronger pull than others to reach the same style-loss ratio
    # without losing the content (tools/styles.tsv, column style_weight).
    try:
        override_style_weights(styles, args.style_weights)
    except ValueError as error:
        sys.exit(f"train: --style-weights: {error}")
    per_style_weight = torch.tensor([s["style_weight"] for s in styles], device=device)

    arch = slim_architecture(args.width, args.blocks, args.padding)
    net = StyleNet(arch, len(styles)).to(device)
    if tuned is not None:
        # Frozen, the convolutions get no gradient and Adam leaves them alone; the other styles'
        # rows of the norm parameters get an exact zero gradient, and so an exact zero step.
        net.convs.requires_grad_(False)
    # The per-style norm parameters see only the samples of their own style, so they get a
    # larger step than the shared convolutions to tell the styles apart early.
    style_params = list(net.scales.parameters()) + list(net.shifts.parameters())
    opt = torch.optim.Adam([{"params": net.convs.parameters(), "lr": args.lr},
                            {"params": style_params, "lr": args.lr * args.style_lr_factor}])
    step, elapsed = 0, 0.0
    grad_norm_avg = None
    ck = None
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        if ck["arch"] != arch:
            sys.exit(f"train: {ckpt_path} holds another architecture; use a new --run folder")
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        # The learning rate given now wins over the one saved with the optimizer.
        opt.param_groups[0]["lr"] = args.lr
        opt.param_groups[1]["lr"] = args.lr * args.style_lr_factor
        grad_norm_avg = ck.get("grad_norm_avg")
        step, elapsed = ck["step"], ck["elapsed"]
        random.setstate(ck["py_rng"])
        torch.set_rng_state(ck["torch_rng"])
        print(f"train: resumed at step {step} ({elapsed / 3600:.2f} h trained)", flush=True)
    elif args.export and os.path.exists(args.export) and exported_arch(args.export) == arch:
        # No checkpoint here (a new machine), but the committed model file is from this
        # architecture: continue from its weights and step count with a fresh optimizer.
        step, elapsed = load_exported(net, args.export)
        net.to(device)
        random.seed(step)
        torch.manual_seed(step)
        print(f"train: continuing from {args.export} at step {step} (fresh optimizer state)", flush=True)
    elif args.grow_from:
        step, elapsed = load_exported(net, args.grow_from, grow=True)
        net.to(device)
        random.seed(step)
        torch.manual_seed(step)
        print(f"train: grown from {args.grow_from} at step {step} to {arch['name']}", flush=True)
    elif tuned is not None:
        sys.exit("train: --tune-styles needs trained weights to start from: give --grow-from FILE")
    else:
        random.seed(1)
        torch.manual_seed(1)

    # The shipped weights average the last few hundred steps: with one random style per sample,
    # a style's norm parameters otherwise wander from step to step and the evaluation of any
    # single checkpoint is a draw (a style's ratio moved by 0.13 between two evaluations).
    ema = copy.deepcopy(net).requires_grad_(False)
    if ck is not None and "ema" in ck:
        ema.load_state_dict(ck["ema"])

    def update_ema():
        if args.ema_decay <= 0:
            ema.load_state_dict(net.state_dict())
            return
        with torch.no_grad():
            for (name, e), p in zip(ema.state_dict().items(), net.state_dict().values()):
                if tuned is None:
                    e.mul_(args.ema_decay).add_(p, alpha=1 - args.ema_decay)
                elif name.startswith(("scales.", "shifts.")):
                    # Only the tuned rows move: averaging a frozen value with itself could
                    # still change its last bit.
                    e[tuned] = e[tuned] * args.ema_decay + p[tuned] * (1 - args.ema_decay)

    data_hashes = {
        "content_list_sha256": hashlib.sha256("\n".join(content.train_names).encode()).hexdigest(),
        "held_out": content.held_out_names,
        "styles_sha256": {s["image"]: file_sha256(os.path.join(args.styles, s["image"])) for s in styles},
        "vgg16_sha256": file_sha256(os.path.join(args.data, "vgg", "vgg16.ckpt")),
    }

    def save(final=False):
        tmp = ckpt_path + ".tmp"
        torch.save({"arch": arch, "model": net.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                    "grad_norm_avg": grad_norm_avg,
                    "step": step, "elapsed": elapsed, "py_rng": random.getstate(),
                    "torch_rng": torch.get_rng_state()}, tmp)
        os.replace(tmp, ckpt_path)
        if args.export:
            training = {"steps": step, "seconds": round(elapsed), "batch": args.batch,
                        "curriculum": args.curriculum, "max_zoom_out": args.max_zoom_out, "style_size": args.style_size, "loss_scale": args.loss_scale, "margin": args.margin, "ema_decay": args.ema_decay,
                        "weights": {"content": args.content_weight, "style": args.style_weight,
                                    "layer_balance": args.layer_balance_weight, "layout": args.layout_weight,
                                    "tv": args.tv_weight, "stability": args.stability_weight,
                                    "stability_motion": args.stability_motion, "stability_noise": args.stability_noise,
                                    "stability_noise_weight": args.stability_noise_weight,
                                    "stability_codec": args.stability_codec,
                                    "per_style": {s["name"]: s["style_weight"] for s in styles}},
                        "tuned_styles": args.tune_styles or "",
                        "data": data_hashes}
            export_model(ema.cpu(), styles, training, args.export)
            ema.to(device)
        print(f"train: checkpoint at step {step}{' (final)' if final else ''}", flush=True)

    log_path = os.path.join(args.run, "log.tsv")
    header = "step\tcrop\tloss\tstyle_ratio\tcontent\ttv\tstability\tseconds\tlayer_ratio\tlayout\tnoise_stability\n"
    if os.path.exists(log_path):
        with open(log_path) as f:
            lines = f.readlines()
        if lines and lines[0] != header:
            # A log from before a loss was added: its columns come first, the new ones empty.
            columns = header.count("\t") + 1
            with open(log_path + ".tmp", "w") as f:
                f.write(header)
                for line in lines[1:]:
                    fields = line.rstrip("\n").split("\t")
                    f.write("\t".join(fields + [""] * (columns - len(fields))) + "\n")
            os.replace(log_path + ".tmp", log_path)
    else:
        with open(log_path, "w") as f:
            f.write(header)
    log = open(log_path, "a", buffering=1)

    def judged(images: torch.Tensor) -> torch.Tensor:
        return at_loss_scale(images, args.loss_scale)

    def paint(images: torch.Tensor, sw: torch.Tensor) -> torch.Tensor:
        return paint_with_margin(net, images, sw, args.margin)

    last_ckpt = time.time()
    session_start = time.time()
    num_styles = len(styles)
    while step < args.steps:
        t0 = time.time()
        crop = crop_size_at(step, args.curriculum)
        x = content.batch(args.batch, crop, args.max_zoom_out).to(device)
        if tuned is None:
            style_idx = torch.randint(0, num_styles, (args.batch,))
        else:
            style_idx = tuned[torch.randint(0, len(tuned), (args.batch,))]
        sw = F.one_hot(style_idx, num_styles).float().to(device)

        out = paint(x, sw)
        noise_stability = torch.zeros((), device=device)
        # Stability: a slightly noised input, or one shifted by a few pixels, must stylize
        # to the same picture (shifted alike), so frames of a video do not flicker.
        if args.stability_motion == "warp":
            # The next frame of a video: the crop moved a little, with fresh sensor noise. Its
            # painting must be this painting moved alike, wherever both see the same surface.
            grid = random_motion(x.shape[0], x.shape[2], x.shape[3], random, device=device)
            moved = warp(x, grid)
            sigma = random.uniform(0.0, args.stability_noise)
            moved = (moved + torch.randn_like(moved) * sigma).clamp(0, 1)
            out2 = paint(moved, sw)
            mask = valid_mask(grid, 8)
            stability = ((out2 - warp(out, grid)) ** 2 * mask).sum() / (mask.sum() * 3).clamp_min(1)
            if args.stability_noise_weight > 0:
                grain = random.uniform(min(0.01, args.stability_noise), args.stability_noise)
                codec = args.stability_codec > 0 and random.random() < args.stability_codec
                quality = random.randint(30, 80) if codec else None
                noise_stability = grain_stability(lambda images: paint(images, sw), x, out, grain, quality)
        elif step % 2 == 0:
            noisy = (x + torch.randn_like(x) * random.uniform(0.01, 0.04)).clamp(0, 1)
            out2 = paint(noisy, sw)
            stability = F.mse_loss(out2, out)
        else:
            dy, dx = random.randint(1, 6), random.randint(1, 6)
            out2 = paint(x[:, :, dy:, dx:].contiguous(), sw)
            h = min(out2.shape[2], out.shape[2] - dy) // 4 * 4
            w = min(out2.shape[3], out.shape[3] - dx) // 4 * 4
            stability = F.mse_loss(out2[:, :, 8:h - 8, 8:w - 8], out[:, :, dy + 8:dy + h - 8, dx + 8:dx + w - 8])

        # Only the fixed loss network runs in bf16; its features are widened back to fp32
        # before the Gram matrices and the losses, and the style network stays fp32 throughout.
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=vgg_bf16):
            fx = vgg(judged(x), STYLE_LAYERS)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=vgg_bf16):
            fo = vgg(judged(out), STYLE_LAYERS)
        fx = {l: f.float() for l, f in fx.items()}
        fo = {l: f.float() for l, f in fo.items()}
        target = {l: style_grams[l][style_idx.to(device)] for l in STYLE_LAYERS}
        layer_out = gram_distances(fo, target)
        with torch.no_grad():
            layer_in = gram_distances(fx, target)
        ratios, layer_ratios = style_ratios(layer_out, layer_in)
        style_ratio = ratios.mean()
        layer_ratio = layer_ratios.mean()
        sample_weight = per_style_weight[style_idx.to(device)]
        weighted_style = (ratios * sample_weight).mean()
        weighted_layers = (layer_ratios * sample_weight).mean()
        content_loss = content_distance(fo[CONTENT_LAYER], fx[CONTENT_LAYER]).mean()
        layout = F.mse_loss(luminance_layout(out), luminance_layout(x))
        tv = total_variation(out)

        loss = (args.style_weight * weighted_style + args.layer_balance_weight * weighted_layers
                + args.content_weight * content_loss + args.layout_weight * layout
                + args.tv_weight * tv + args.stability_weight * stability
                + args.stability_noise_weight * noise_stability)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        # A rare batch gives a gradient many times the usual size; one such step at step 8220
        # threw every style's ratio from 0.13 to 1.7. Clip to a few times the running norm.
        limit = math.inf if grad_norm_avg is None else args.clip_factor * grad_norm_avg
        norm = float(torch.nn.utils.clip_grad_norm_(net.parameters(), limit))
        if math.isfinite(norm):
            clipped = min(norm, limit)
            grad_norm_avg = clipped if grad_norm_avg is None else 0.99 * grad_norm_avg + 0.01 * clipped
            opt.step()
        update_ema()
        step += 1
        elapsed += time.time() - t0
        if step % 10 == 0:
            log.write(f"{step}\t{crop}\t{loss.item():.5f}\t{style_ratio.item():.5f}\t{content_loss.item():.5f}"
                      f"\t{tv.item():.6f}\t{stability.item():.6f}\t{elapsed:.0f}\t{layer_ratio.item():.5f}\t{layout.item():.5f}\t{noise_stability.item():.6f}\n")
        if step % 50 == 0:
            print(f"step {step} crop {crop} loss {loss.item():.4f} style {style_ratio.item():.3f} "
                  f"layers {layer_ratio.item():.3f} "
                  f"content {content_loss.item():.3f} layout {layout.item():.3f} tv {tv.item():.5f} stab {stability.item():.5f} noise {noise_stability.item():.5f} "
                  f"{(time.time() - t0):.2f}s/it", flush=True)
        if time.time() - last_ckpt > args.checkpoint_minutes * 60:
            save()
            last_ckpt = time.time()
        if args.max_minutes and time.time() - session_start > args.max_minutes * 60:
            break
    save(final=True)


if __name__ == "__main__":
    main()
