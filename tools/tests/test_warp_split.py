"""Checks of the moving/still split of tools/temporal_eval.py's warping error
(vidstyle_tools/warp_split.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vidstyle_tools.warp_split import error_by_motion  # noqa: E402


def pair(h=4, w=5, difference=0.0, motion=0.0):
    return (np.full((h, w), difference, np.float32), np.ones((h, w), bool), np.full((h, w), motion, np.float32))


class WarpSplitTests(unittest.TestCase):
    def test_flicker_on_a_standing_surface_counts_as_still(self):
        difference, trusted, motion = pair()
        motion[:, :1] = 3.0            # one column of five moves
        difference[:, 1:] = 10.0       # the four standing columns flicker
        split = error_by_motion([(difference, trusted, motion)])
        self.assertAlmostEqual(split["still"], 10.0)
        self.assertAlmostEqual(split["moving"], 0.0)
        self.assertAlmostEqual(split["moving_pixels"], 0.2)
        self.assertAlmostEqual(split["moving_error_share"], 0.0)

    def test_means_pool_over_all_frames_and_skip_untrusted_pixels(self):
        a = pair(difference=2.0, motion=1.0)   # 20 moving pixels, error 2
        b = pair(difference=8.0, motion=1.0)
        b[1][:2] = False                       # 10 of b's pixels fail the flow check
        b[0][:2] = 1000.0                      # and their huge error must not count
        c = pair(difference=5.0, motion=0.1)   # 20 still pixels, error 5
        split = error_by_motion([a, b, c])
        self.assertAlmostEqual(split["moving"], (20 * 2 + 10 * 8) / 30)
        self.assertAlmostEqual(split["still"], 5.0)
        self.assertAlmostEqual(split["moving_pixels"], 30 / 50)
        self.assertAlmostEqual(split["moving_error_share"], 120 / (120 + 100))

    def test_the_threshold_decides_what_moves(self):
        frame = pair(difference=1.0, motion=0.5)
        self.assertEqual(error_by_motion([frame])["moving_pixels"], 0.0, "0.5 px is not more than 0.5 px")
        self.assertEqual(error_by_motion([frame], moving_px=0.4)["moving_pixels"], 1.0)

    def test_a_clip_without_error_or_pixels_gives_zeros(self):
        self.assertEqual(error_by_motion([pair()])["moving_error_share"], 0.0)
        self.assertEqual(error_by_motion([]), {"moving": 0.0, "still": 0.0, "moving_pixels": 0.0,
                                               "moving_error_share": 0.0})

    def test_shapes_must_agree(self):
        difference, trusted, motion = pair()
        with self.assertRaises(ValueError):
            error_by_motion([(difference, trusted, motion[:, :3])])


if __name__ == "__main__":
    unittest.main()
