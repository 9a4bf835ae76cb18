"""Checks of tools/temporal_eval.py's choice of styles and its per-style table
(vidstyle_tools/by_style.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vidstyle_tools.by_style import parse_style_list, style_summary  # noqa: E402


def row(clip, style, old, new):
    return {"clip": clip, "style": style, "old": {"warping_error": old}, "new": {"warping_error": new}}


class StyleListTests(unittest.TestCase):
    def test_all_is_every_index(self):
        self.assertEqual(parse_style_list("all", 4), [0, 1, 2, 3])

    def test_indices_keep_their_order_once_each(self):
        self.assertEqual(parse_style_list("4,0,4", 9), [4, 0])

    def test_an_index_past_the_model_is_refused_by_name(self):
        with self.assertRaises(ValueError) as caught:
            parse_style_list("0,9", 9)
        self.assertIn("'9'", str(caught.exception))
        self.assertIn("0 to 8", str(caught.exception))

    def test_a_name_is_refused(self):
        with self.assertRaises(ValueError):
            parse_style_list("udnie", 9)

    def test_nothing_is_refused(self):
        with self.assertRaises(ValueError):
            parse_style_list(",", 9)


class StyleSummaryTests(unittest.TestCase):
    def test_each_style_gets_its_ratios_and_its_worst_clip(self):
        results = [row("pan", 0, 100.0, 60.0), row("pan", 4, 100.0, 90.0),
                   row("vtest", 0, 50.0, 35.0), row("vtest", 4, 40.0, 38.0)]
        lines = style_summary(results, ["old", "new"], {0: "starry-night", 4: "composition-vii"})
        self.assertEqual(lines[0], "Warping error of new against old, per style:")
        self.assertEqual(lines[2], "| style | pan | vtest | worst |")
        self.assertEqual(lines[4], "| 0 starry-night | 0.60 | 0.70 | 0.70 |")
        self.assertEqual(lines[5], "| 4 composition-vii | 0.90 | 0.95 | 0.95 |")

    def test_a_missing_clip_shows_a_dash_and_is_left_out_of_the_worst(self):
        results = [row("pan", 0, 100.0, 50.0), row("vtest", 1, 10.0, 9.0)]
        lines = style_summary(results, ["old", "new"], {})
        self.assertEqual(lines[4], "| 0 | 0.50 | – | 0.50 |")
        self.assertEqual(lines[5], "| 1 | – | 0.90 | 0.90 |")

    def test_one_table_per_later_run(self):
        results = [{"clip": "pan", "style": 0, "a": {"warping_error": 10.0}, "b": {"warping_error": 5.0},
                    "c": {"warping_error": 20.0}}]
        lines = style_summary(results, ["a", "b", "c"], {})
        self.assertIn("| 0 | 0.50 | 0.50 |", lines)
        self.assertIn("| 0 | 2.00 | 2.00 |", lines)
        self.assertIn("Warping error of c against a, per style:", lines)


if __name__ == "__main__":
    unittest.main()
