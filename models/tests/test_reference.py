"""reference.json binning (issue 22): point masses get their own bins, the rest keeps tail resolution."""

import numpy as np
import pytest
from fraudmodels.reference import distribution


def test_point_masses_get_their_own_bins():
    rng = np.random.default_rng(0)
    values = np.where(rng.random(10_000) < 0.9, 0.0, rng.uniform(0.01, 0.5, 10_000))
    d = distribution(values)
    assert d["cutPoints"][0] == 0.0
    assert d["frequencies"][0] == pytest.approx(0.9, abs=0.01)
    assert len(d["cutPoints"]) == 14  # the zero, then 13 quantiles of the non-zero values
    assert len(d["quantiles"]) == 100
    assert d["std"] == pytest.approx(float(np.std(values)))


def test_a_mass_among_spread_values_is_cut_at_the_value_below_it():
    values = np.concatenate((np.arange(95) + 0.5, np.full(5, 50.0)))
    d = distribution(values)
    at = d["cutPoints"].index(50.0)
    assert d["cutPoints"][at - 1] == 49.5
    assert d["frequencies"][at] == 0.05


def test_flags_keep_one_bin_per_value():
    d = distribution(np.array([0.0, 0.0, 0.0, 1.0]))
    assert d["cutPoints"] == [0.0, 1.0]
    assert d["frequencies"] == [0.75, 0.25, 0.0]
