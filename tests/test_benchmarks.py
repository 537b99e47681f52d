"""The benchmark scripts: they import, share benchmarks/_common.py and write JSON.

The scripts reach a few engine internals through benchmarks/_common.py; importing each
one here catches a script broken by a move inside the package. Running them (their
--quick modes take minutes) is left to the benchmarks themselves, but for a few cheap
ones, which check the JSON they write (deep_mnist.py on small MNIST-format files
written here).
"""

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py") if not p.stem.startswith("_"))


@pytest.fixture(scope="module")
def common():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("_common")
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_imports_and_uses_the_shared_helpers(name, common):
    if name == "goal_search_tpe":
        pytest.importorskip("optuna")
    module = importlib.import_module(name)
    assert callable(module.main)
    source = (BENCHMARKS / f"{name}.py").read_text()
    # Data, timing and results through _common; engine internals only there.
    assert "_common" in source, f"{name} does not use benchmarks/_common.py"
    assert not re.search(r"(from|import) sklearn_infomorph\._", source), (
        f"{name} imports package internals itself")
    assert "def best_of" not in source and "load_mnist_format" not in source


def test_papers_split_z_scores_with_the_training_part(common, monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.normal(3.0, 2.0, (60000, 2)), np.arange(60000) % 10
    X_test, y_test = rng.normal(size=(100, 2)), np.arange(100) % 10
    monkeypatch.setattr(common, "load_mnist", lambda data_dir: (X, y, X_test, y_test))
    split = common.papers_split("unused")
    (X_train, _), (X_val, y_val), (X_te, _) = split["train"], split["val"], split["test"]
    assert X_train.shape == (48000, 2) and X_val.shape == (12000, 2)
    mean, std = X[:48000].mean(), X[:48000].std()
    assert split["mean"] == pytest.approx(mean) and split["std"] == pytest.approx(std)
    np.testing.assert_allclose(X_val, (X[48000:] - mean) / std)
    np.testing.assert_allclose(X_te, (X_test - mean) / std)
    np.testing.assert_array_equal(y_val, y[48000:])
    small = common.papers_split("unused", n_train=1000)
    assert small["train"][0].shape == (1000, 2) and small["val"][0].shape == (12000, 2)
    assert small["mean"] == pytest.approx(X[:1000].mean())


def test_best_of_and_json_results(common, tmp_path):
    calls = []
    seconds = common.best_of(lambda: calls.append(1), 3)
    assert len(calls) == 3 and 0 <= seconds < 1
    args = common.parser("Doc.\n\nMore.", "demo").parse_args(["--out", str(tmp_path / "r.json")])
    common.write_results(args.out, "demo", args, {"value": np.float32(1.5), "x": np.arange(2),
                                                   "bad": float("nan")})
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["benchmark"] == "demo" and document["args"]["out"] == args.out
    assert document["results"] == {"value": 1.5, "x": [0, 1], "bad": None}
    machine = document["machine"]
    assert machine["cpus"] >= 1 and machine["numba_threads"] >= 1
    assert {"numpy", "numba", "scikit-learn", "sklearn-infomorph"} <= set(machine["versions"])


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("name, args, key", [
    ("bench_precision", ["--repeats", "1"], "products_seconds"),
    ("bench_pid", ["--neurons", "8", "--sources", "2", "--repeats", "1",
                   "--dense-repeats", "1"], "cases"),
    # Without the authors' repository: the clear skip, in the JSON (no data is read).
    ("bench_reference", ["--repo", "", "--data", "."], "status"),
    # Training through dask-ml's Incremental, prediction on local clusters (about 30 s).
    pytest.param("out_of_core", ["--quick"], "training", marks=pytest.mark.dask),
])
def test_cheap_benchmark_runs_and_writes_json(name, args, key, tmp_path):
    out = tmp_path / f"{name}.json"
    subprocess.run([sys.executable, f"{name}.py", "--out", str(out), *args], cwd=BENCHMARKS,
                   env=dict(os.environ), check=True, capture_output=True, timeout=600)
    document = json.loads(out.read_text())
    assert document["benchmark"] == name and key in document["results"]
    assert document["machine"]["versions"]["numba"]


def write_mnist_format(folder, prefix, images, labels):
    """``images`` (uint8, n x rows x cols) and ``labels`` as the two idx files of
    MNIST's layout (big-endian sizes after a 4-byte header: 0, 0, type 0x08, ndim)."""
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        array = np.ascontiguousarray(array, dtype=np.uint8)
        header = bytes([0, 0, 0x08, array.ndim])
        header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
        (folder / f"{prefix}-{kind}-ubyte").write_bytes(header + array.tobytes())


@pytest.mark.slow
@pytest.mark.subprocess
def test_deep_mnist_quick_runs_every_depth_and_writes_records(tmp_path):
    # Digits (8 x 8) in MNIST's file layout: 50,000 training images (the papers'
    # split validates on images 48,000 on) and 2,000 test images, noisy copies.
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(0)

    def draw(n):
        rows = rng.integers(0, len(digits.target), n)
        pixels = digits.images[rows] * 15 + rng.integers(0, 16, (n, 8, 8))
        return pixels.astype(np.uint8), digits.target[rows]

    data = tmp_path / "digits"
    data.mkdir()
    write_mnist_format(data, "train", *draw(50000))
    write_mnist_format(data, "t10k", *draw(2000))
    out = tmp_path / "deep.jsonl"
    subprocess.run([sys.executable, "deep_mnist.py", "--quick", "--data", str(data),
                    "--out", str(out)], cwd=BENCHMARKS, env=dict(os.environ), check=True,
                   capture_output=True, timeout=600)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((r["model"], r["depth"]) for r in records) == [
        (model, depth) for model in ("infomorphic", "mlp") for depth in (1, 2, 3)]
    for r in records:
        assert r["epochs"] == r["max_epochs"] == 3 and r["n_train"] == 4800
        assert len(r["probe_accuracy"]) == len(r["codes"]) == r["depth"]
        assert 0 <= r["test_accuracy"] <= 1
        # Every hidden layer's outputs hold the digit (a linear probe reads it).
        assert min(r["probe_accuracy"]) > 0.9, r
        if r["model"] == "infomorphic":
            assert list(r["atoms"]) == [f"hidden_{k}" for k in range(r["depth"])]
            assert 0 <= r["papers_test_accuracy"] <= 1
    document = json.loads(out.with_suffix(".json").read_text())
    assert document["benchmark"] == "deep_mnist"
    assert [row["depth"] for row in document["results"]["tables"]["accuracy"]] == [1, 2, 3]
    # Run again: every fit is in the records and skipped.
    again = subprocess.run([sys.executable, "deep_mnist.py", "--quick", "--data", str(data),
                            "--out", str(out)], cwd=BENCHMARKS, env=dict(os.environ),
                           check=True, capture_output=True, text=True, timeout=600)
    assert "seed 0:" not in again.stdout
    assert len(out.read_text().splitlines()) == 6
