"""Bias-corrected I^sx atoms with bootstrap intervals (pid_from_samples)."""

import numpy as np
import pandas as pd
import pytest

from sklearn_infomorph import _pid_bias, isx_pid
from sklearn_infomorph.lattice import redundancy_lattice
from sklearn_infomorph.pid import pid_from_samples


def _independent(n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, n), rng.integers(0, k, n), rng.integers(0, k, n)


def _dependent(n, k, seed):
    """T = [s1 + s2 >= k] with 10 % of the labels flipped."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, k, n), rng.integers(0, k, n)
    t = (a + b >= k).astype(int) ^ (rng.random(n) < 0.1)
    return t, a, b


def test_frame_layout_and_plug_in_column():
    t, a, b = _dependent(300, 5, 0)
    frame = pid_from_samples(t, a, b, source_names="AB", n_boot=50, random_state=0)
    plug = isx_pid(target=t, sources=[a, b], source_names="AB")
    assert list(frame.columns) == ["estimate", "bias", "corrected", "std", "lower", "upper"]
    assert list(frame.index) == list(plug.index)
    np.testing.assert_allclose(frame["estimate"], plug.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(frame["corrected"], frame["estimate"] - frame["bias"])
    assert (frame["lower"] <= frame["upper"]).all()
    assert (frame["std"] > 0).loc[["{A}{B}", "{A}", "{B}", "{AB}"]].all()


def test_independent_sparse_table_synergy_is_corrected():
    # 20 x 20 source cells, 256 samples: about 0.6 bits of spurious synergy.
    t, a, b = _independent(256, 20, 1)
    frame = pid_from_samples(t, a, b, n_boot=100, random_state=0)
    atoms = ["{0}{1}", "{0}", "{1}", "{01}"]
    assert frame.loc["{01}", "estimate"] > 0.45
    assert frame.loc[atoms, "corrected"].abs().max() < 0.1
    assert frame.loc["{01}", "lower"] < 0 < frame.loc["{01}", "upper"]


@pytest.mark.parametrize("correction", ["eb", "shuffle", "bootstrap", "none"])
def test_corrections_keep_the_identities(correction):
    t, a, b = _dependent(400, 8, 2)
    f = pid_from_samples(t, a, b, correction=correction, n_boot=30, random_state=1)["corrected"]
    assert f["{0}{1}"] + f["{0}"] == pytest.approx(f["MI_0"])
    assert f["{0}{1}"] + f["{1}"] == pytest.approx(f["MI_1"])
    assert f[["{0}{1}", "{0}", "{1}", "{01}"]].sum() == pytest.approx(f["MI"])
    assert f["H_res"] + f["MI"] == pytest.approx(f["H_T"])


def test_none_has_zero_bias_and_bootstrap_is_efron():
    t, a, b = _dependent(200, 6, 3)
    none = pid_from_samples(t, a, b, correction="none", n_boot=40, random_state=0)
    assert (none["bias"] == 0).all()
    np.testing.assert_array_equal(none["corrected"], none["estimate"])
    boot = pid_from_samples(t, a, b, correction="bootstrap", n_boot=40, random_state=0)
    # Same seed, same resamples: Efron's bias is the resample mean minus the estimate,
    # and the interval is the percentile interval moved by minus twice that bias.
    shift = none["lower"] - boot["lower"]
    np.testing.assert_allclose(shift, boot["bias"], atol=1e-12)
    assert boot.loc["{01}", "bias"] > 0


def test_dependent_data_corrected_towards_the_truth():
    # Large sample of the same distribution as the truth (plug-in bias ~ 1e-3).
    truth = isx_pid(target=_dependent(400_000, 10, 9)[0], sources=list(_dependent(400_000, 10, 9)[1:]))
    errors = {"plug-in": [], "eb": []}
    for seed in range(8):
        t, a, b = _dependent(500, 10, 10 + seed)
        frame = pid_from_samples(t, a, b, n_boot=50, random_state=seed)
        errors["plug-in"].append(frame["estimate"]["{01}"] - truth["{01}"])
        errors["eb"].append(frame["corrected"]["{01}"] - truth["{01}"])
    plug, eb = np.mean(errors["plug-in"]), np.mean(errors["eb"])
    assert plug > 0.05
    assert abs(eb) < plug / 2


def test_reproducible_with_random_state():
    t, a, b = _dependent(200, 6, 4)
    first = pid_from_samples(t, a, b, n_boot=30, random_state=5)
    again = pid_from_samples(t, a, b, n_boot=30, random_state=5)
    other = pid_from_samples(t, a, b, n_boot=30, random_state=6)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["lower"], other["lower"])


def test_isx_pid_with_correction_returns_the_same_frame():
    t, a, b = _dependent(200, 4, 5)
    via_isx = isx_pid(target=t, sources=[a, b], correction="shuffle", n_boot=30,
                      random_state=0, confidence_level=0.9)
    direct = pid_from_samples(t, a, b, correction="shuffle", n_boot=30, random_state=0,
                              confidence_level=0.9)
    pd.testing.assert_frame_equal(via_isx, direct)
    assert isinstance(isx_pid(target=t, sources=[a, b]), pd.Series)


def test_three_sources_and_a_ternary_target():
    rng = np.random.default_rng(6)
    a, b, c = (rng.integers(0, 3, 300) for _ in range(3))
    t = (a + b + c) % 3
    frame = pid_from_samples(t, a, b, c, source_names="ABC", n_boot=20, random_state=0)
    assert frame.shape == (18 + 2 + 7, 6)
    exact = np.zeros((3, 3, 3, 3))
    for i in range(27):
        x, y, z = np.unravel_index(i, (3, 3, 3))
        exact[(x + y + z) % 3, x, y, z] = 1 / 27
    truth = isx_pid(exact, source_names="ABC")
    assert frame.loc["MI", "corrected"] == pytest.approx(np.log2(3), abs=0.05)
    assert (frame["corrected"] - truth).abs().max() < 0.1


def test_chunked_evaluation_matches(monkeypatch):
    rng = np.random.default_rng(7)
    tables = rng.random((7, 2, 5, 6))
    tables /= tables.sum(axis=(1, 2, 3), keepdims=True)
    lattice = redundancy_lattice(2)
    whole, _ = _pid_bias.table_columns(tables, lattice)
    monkeypatch.setattr(_pid_bias, "_CELLS_PER_CHUNK", 120)  # 2 tables per chunk
    chunked, _ = _pid_bias.table_columns(tables, lattice)
    np.testing.assert_allclose(chunked, whole)
    for i, table in enumerate(tables):
        np.testing.assert_allclose(whole[i], isx_pid(table).to_numpy(), atol=1e-12)


def test_smoothed_conditional_follows_the_evidence():
    # Deterministic target, 50 samples per cell: the smoothed conditional stays sharp.
    a, b = np.repeat(np.arange(4), 200), np.tile(np.repeat(np.arange(4), 50), 4)
    t = (a > b).astype(int)
    from sklearn_infomorph.pid import _sample_counts

    q = _pid_bias.smoothed_conditional(_sample_counts(t, a, b))
    np.testing.assert_allclose(q[:, 1], (a > b).reshape(4, 4, 50)[:, :, 0].ravel(), atol=0.05)
    # Independent target: every cell is shrunk to P(T) (the prior is strong).
    t, a, b = _independent(2000, 5, 8)
    q = _pid_bias.smoothed_conditional(_sample_counts(t, a, b))
    assert np.ptp(q[:, 1]) < 0.05


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"correction": "jackknife"}, "correction must be one of"),
        ({"n_boot": 5}, "n_boot must be an integer >= 10"),
        ({"n_boot": 50.0}, "n_boot must be an integer"),
        ({"confidence_level": 95}, "confidence_level must be a number in"),
        ({"confidence_level": 0.0}, "confidence_level must be a number in"),
    ],
)
def test_bad_parameters(kwargs, match):
    t, a, b = _independent(50, 3, 0)
    with pytest.raises(ValueError, match=match):
        pid_from_samples(t, a, b, **kwargs)


def test_correction_needs_samples():
    with pytest.raises(ValueError, match="correction needs samples"):
        isx_pid(np.full((2, 2, 2), 1 / 8), correction="eb")
    with pytest.raises(ValueError, match="2 to 4 source arrays"):
        pid_from_samples(np.zeros(5), np.zeros(5))


@pytest.mark.slow
@pytest.mark.subprocess
def test_benchmark_quick_run(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "pid_bias.py"), "--quick",
         "--out", str(tmp_path / "results.csv")],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "independent, 20 x 20 bins, n=256: every corrected atom within 0.1 bits of 0: MET" in out.stdout
    results = pd.read_csv(tmp_path / "results.csv")
    assert set(results.method) == {"plug-in", "eb", "shuffle", "bootstrap"}
    assert len(results) == 2 * 2 * 4 * 4  # cases x sizes x methods x atoms
