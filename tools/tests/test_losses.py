"""Checks of the training losses shared by train.py, learn_style.py and evaluate.py
(vidstyle_tools/losses.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vidstyle_tools.losses import (STYLE_LAYERS, at_loss_scale, content_distance, gram_distances,  # noqa: E402
                                   luminance_layout, paint_with_margin, style_ratios, total_variation)
from vidstyle_tools.vgg import gram  # noqa: E402


def random_features(batch: int, seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    channels = {"relu1_2": 4, "relu2_2": 6, "relu3_3": 8, "relu4_3": 8}
    return {l: torch.rand(batch, channels[l], 10, 12, generator=generator) for l in STYLE_LAYERS}


class StyleLossTests(unittest.TestCase):
    def test_the_paintings_own_features_are_at_distance_zero(self):
        painting = random_features(1, 1)
        target = {l: gram(f)[0] for l, f in painting.items()}
        for distance in gram_distances(painting, target).values():
            self.assertLess(float(distance.abs().max()), 1e-10)

    def test_distances_are_per_sample_against_a_per_sample_target(self):
        features = random_features(3, 2)
        targets = {l: gram(f) for l, f in random_features(3, 3).items()}
        together = gram_distances(features, targets)
        for i in range(3):
            alone = gram_distances({l: f[i:i + 1] for l, f in features.items()},
                                   {l: t[i] for l, t in targets.items()})
            for l in STYLE_LAYERS:
                self.assertAlmostEqual(float(together[l][i]), float(alone[l][0]), places=5)

    def test_an_unchanged_photo_scores_ratio_one(self):
        distances = gram_distances(random_features(2, 4), {l: gram(f)[0] for l, f in random_features(1, 5).items()})
        summed, per_layer = style_ratios(distances, distances)
        self.assertTrue(torch.allclose(summed, torch.ones(2)))
        self.assertTrue(torch.allclose(per_layer, torch.ones(2)))

    def test_the_summed_ratio_follows_the_largest_layer_and_the_mean_weighs_each_alike(self):
        photo = {l: torch.tensor([1.0]) for l in STYLE_LAYERS}
        photo["relu3_3"] = torch.tensor([10.0])
        painted = dict(photo)
        painted["relu1_2"] = torch.tensor([0.0])  # the colour layer matched, the rest unchanged
        summed, per_layer = style_ratios(painted, photo)
        self.assertAlmostEqual(float(summed), 12.0 / 13.0, places=6)
        self.assertAlmostEqual(float(per_layer), 0.75, places=6)


class ContentAndLayoutTests(unittest.TestCase):
    def test_content_is_zero_for_the_photo_and_relative_to_its_energy(self):
        photo = torch.rand(2, 8, 6, 6)
        self.assertEqual(content_distance(photo, photo).tolist(), [0.0, 0.0])
        # Twice the features: the same relative distance, whatever the photo's energy.
        self.assertTrue(torch.allclose(content_distance(photo * 2, photo), torch.ones(2)))
        self.assertTrue(torch.allclose(content_distance(photo * 20, photo * 10), torch.ones(2)))

    def test_layout_ignores_brightness_and_contrast_but_not_where_the_masses_are(self):
        picture = torch.rand(1, 3, 64, 64)
        picture[:, :, :32] += 1.0  # a light top half
        layout = luminance_layout(picture)
        self.assertLess(float((luminance_layout(picture + 0.2) - layout).abs().max()), 1e-5)
        # Half the contrast: the same layout but for the floor that keeps flat pictures calm.
        self.assertLess(float((luminance_layout(picture * 0.5) - layout).abs().max()), 0.1)
        flipped = luminance_layout(picture.flip(2))
        self.assertGreater(float((layout - flipped).abs().mean()), 1.0)

    def test_total_variation_is_zero_when_flat_and_grows_with_speckle(self):
        flat = torch.full((1, 3, 16, 16), 0.4)
        self.assertEqual(float(total_variation(flat)), 0.0)
        speckle = flat.clone()
        speckle[:, :, ::2, ::2] = 0.6
        self.assertGreater(float(total_variation(speckle)), float(total_variation(flat + 0.1 * torch.linspace(0, 1, 16))))


class PaintingGeometryTests(unittest.TestCase):
    def test_the_margin_is_painted_and_cropped_back_so_the_size_is_kept(self):
        seen = []

        def net(images, style_weights):
            seen.append(tuple(images.shape))
            return images * 2

        x = torch.rand(1, 3, 20, 24)
        out = paint_with_margin(net, x, torch.ones(1, 1), 4)
        self.assertEqual(seen, [(1, 3, 28, 32)])
        self.assertTrue(torch.equal(out, x * 2))
        self.assertTrue(torch.equal(paint_with_margin(net, x, torch.ones(1, 1), 0), x * 2))

    def test_the_margin_is_mirrored_not_zero(self):
        def edges(images, style_weights):
            return images[:, :, :1, :].expand_as(images).clone()  # every row becomes the top row

        x = torch.rand(1, 3, 8, 8) + 0.5
        out = paint_with_margin(edges, x, torch.ones(1, 1), 2)
        # The top row of the padded input is row 2 of the picture mirrored, never zeros.
        self.assertTrue(torch.equal(out[0, :, 0], x[0, :, 2]))

    def test_the_loss_scale_resizes_only_when_asked(self):
        x = torch.rand(1, 3, 40, 50)
        self.assertIs(at_loss_scale(x, 1), x)
        self.assertEqual(tuple(at_loss_scale(x, 0.8).shape), (1, 3, 32, 40))


if __name__ == "__main__":
    unittest.main()
