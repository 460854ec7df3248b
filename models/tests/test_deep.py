"""The deep LightGBM + XGBoost pair of the SDK's TreeSHAP benchmark and parity test (fraudmodels.deep)."""

import json
import math

import numpy as np
import pytest
from fraudmodels.bundle.trees import evaluate_trees
from fraudmodels.cli import MODELS_DIR, main
from fraudmodels.deep import SIZES, build_deep_pair, settings, settings_key
from fraudmodels.errors import ExportError

# the SDK's parity test (sdk/src/trees/deep.test.ts) makes the same directory; whichever runs first trains
TEST_PAIR = MODELS_DIR / "work" / "deep-pair" / "test"


@pytest.fixture(scope="module")
def pair():
    summary = build_deep_pair(TEST_PAIR, "test")
    return {
        "summary": summary,
        "trees": json.loads((TEST_PAIR / "trees.json").read_text()),
        "shap": json.loads((TEST_PAIR / "shap.json").read_text()),
    }


def test_sizes_are_named_and_keyed_by_their_settings():
    assert settings("full")["lightgbmTrees"] == 1000 and settings("full")["xgboostTrees"] == 500
    assert settings_key(settings("full")) != settings_key(settings("test"))
    assert set(SIZES) == {"full", "test"}
    with pytest.raises(ExportError, match="unknown deep-pair size 'huge'"):
        settings("huge")


def test_the_pair_is_deep_and_has_missing_values(pair):
    models = pair["summary"]["models"]
    assert models["lightgbm"]["trees"] == 40 and models["lightgbm"]["maxDepth"] == 10
    assert models["lightgbm"]["maxLeaves"] > 100
    assert models["xgboost"]["trees"] == 30 and models["xgboost"]["maxDepth"] == 10
    rows = pair["shap"]["rows"]
    assert len(rows) == 120
    assert sum(any(v is None for v in r["features"]) for r in rows) > len(rows) / 4
    assert all(v is None for v in rows[-1]["features"])  # the all-missing row
    for model in pair["trees"]["models"]:  # NaN goes both ways somewhere: learned default directions
        directions = {d for t in model["trees"] for f, d in zip(t["feature"], t["missingGoesLeft"]) if f >= 0}
        assert directions == {0, 1}


def test_native_values_add_up_to_the_margins_that_trees_json_reproduces(pair):
    rows = pair["shap"]["rows"]
    X = np.array([[np.nan if v is None else v for v in r["features"]] for r in rows])
    for name, additivity in (("lightgbm", 1e-9), ("xgboost", 1e-4)):  # XGBoost sums float32 values
        margins = np.array([r[name]["margin"] for r in rows])
        assert np.array_equal(evaluate_trees(pair["trees"], name, X), margins)
        for r in rows:
            assert abs(r[name]["baseValue"] + math.fsum(r[name]["values"]) - r[name]["margin"]) <= additivity


def test_the_command_reuses_a_pair_made_with_the_same_settings(pair, capsys):
    before = (TEST_PAIR / "trees.json").stat().st_mtime_ns
    assert main(["deep-pair", "--size", "test", "--out", str(TEST_PAIR)]) == 0
    assert (TEST_PAIR / "trees.json").stat().st_mtime_ns == before
    assert json.loads(capsys.readouterr().out)["models"] == pair["summary"]["models"]
