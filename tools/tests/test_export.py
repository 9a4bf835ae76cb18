"""Checks of the styles table helpers training runs use (vidstyle_tools/export.py).

Run by `make test`: python -m unittest discover -s tools/tests
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vidstyle_tools.export import override_style_weights, read_styles_table  # noqa: E402

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "styles.tsv")


class StyleWeightOverrideTests(unittest.TestCase):
    def setUp(self):
        self.styles = read_styles_table(TABLE)
        self.table = {s["name"]: s["style_weight"] for s in self.styles}

    def test_named_styles_get_the_new_weight_and_the_rest_keep_the_table(self):
        override_style_weights(self.styles, "starry-night=1.4, composition-vii=1.0")
        weights = {s["name"]: s["style_weight"] for s in self.styles}
        self.assertEqual(weights["starry-night"], 1.4)
        self.assertEqual(weights["composition-vii"], 1.0)
        for name in set(weights) - {"starry-night", "composition-vii"}:
            self.assertEqual(weights[name], self.table[name])

    def test_no_spec_changes_nothing(self):
        override_style_weights(self.styles, None)
        override_style_weights(self.styles, "")
        self.assertEqual({s["name"]: s["style_weight"] for s in self.styles}, self.table)

    def test_an_unknown_style_or_a_bad_weight_is_refused_by_name(self):
        for spec in ("starry=1.2", "starry-night", "starry-night=strong", "starry-night=-1"):
            with self.assertRaises(ValueError) as refusal:
                override_style_weights(self.styles, spec)
            self.assertIn(spec, str(refusal.exception))


if __name__ == "__main__":
    unittest.main()
