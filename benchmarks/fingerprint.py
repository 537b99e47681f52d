"""Fitted arrays of a fixed set of small fits, to show that a refactoring changes nothing.

``python benchmarks/fingerprint.py --write before.npz`` on one commit, then
``python benchmarks/fingerprint.py --compare before.npz`` on another prints, for every
fitted array of every configuration (classifiers FC / FL / FCL, readout only, two
hidden layers, sparse lateral input, early stopping, warm start, partial_fit, sample
and class weights, sparse X, transformers, the associative memory), whether it is
bit-identical, and exits with 1 when a training array differs. The readout's decision
(inversion, calibration, probabilities) is listed apart: a change of how it is fitted
moves it without touching the training.
"""

import sys
import warnings

import numpy as np
from scipy import sparse
from sklearn.datasets import load_digits, make_classification
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import (
    InfomorphicAssociativeMemory,
    InfomorphicClassifier,
    InfomorphicTransformer,
)

from _common import parser, write_results

# Arrays of the readout's decision, reported but not required to stay identical.
DECISION = ("readout_flip_", "readout_calibration_", "predict_proba")


def _data():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X[:600])
    return X, y[:600]


def _classifier_configs():
    small = dict(hidden_layer_sizes=(24,), max_iter=4, batch_size=64, random_state=0)
    return {
        "clf_FCL": dict(small),
        "clf_FC": dict(small, sources="FC"),
        "clf_FL": dict(small, sources="FL"),
        "clf_readout_only": dict(small, hidden_layer_sizes=()),
        "clf_two_hidden": dict(small, hidden_layer_sizes=(16, 12)),
        "clf_sparse_lateral": dict(small, lateral_connections=5),
        "clf_adaptive": dict(small, binning="adaptive"),
        "clf_early_stopping": dict(small, early_stopping=True, max_iter=6),
        "clf_auto_batch": dict(small, batch_size="auto", max_iter=3),
        "clf_balanced": dict(small, class_weight="balanced"),
        "clf_uncalibrated": dict(small, readout_calibration=False),
    }


def _fitted_arrays(est, X):
    arrays = {}
    for name in ("coefs_", "intercepts_"):
        if hasattr(est, name):
            for k, layer in enumerate(getattr(est, name)):
                for source, value in layer.items():
                    arrays[f"{name}{k}_{source}"] = np.asarray(value)
    for name in ("goal_curve_", "coef_"):
        if hasattr(est, name):
            arrays[name] = np.asarray(getattr(est, name))
    arrays["pid_atoms_"] = est.pid_atoms_.to_numpy(dtype=float)
    arrays["pid_history_"] = est.pid_history_["bits"].to_numpy(dtype=float)
    arrays["n_iter_"] = np.asarray(est.n_iter_)
    if hasattr(est, "predict_proba"):
        arrays["readout_flip_"] = np.asarray(est.readout_flip_)
        calibration = est.readout_calibration_
        if calibration is not None:
            arrays["readout_calibration_"] = np.asarray(calibration)
        arrays["predict_proba"] = est.predict_proba(X)
    elif hasattr(est, "transform") and not hasattr(est, "coef_"):
        arrays["transform"] = est.transform(X)
    return arrays


def fingerprints():
    """{configuration: {array name: array}} of every fit."""
    X, y = _data()
    out = {}
    warnings.simplefilter("ignore")
    for name, params in _classifier_configs().items():
        out[name] = _fitted_arrays(InfomorphicClassifier(**params).fit(X, y), X)
    params = dict(hidden_layer_sizes=(24,), max_iter=4, batch_size=64, random_state=0)
    weights = np.random.default_rng(1).integers(0, 3, len(y)).astype(float)
    out["clf_sample_weight"] = _fitted_arrays(
        InfomorphicClassifier(**params).fit(X, y, sample_weight=weights), X)
    out["clf_sparse_X"] = _fitted_arrays(
        InfomorphicClassifier(**params).fit(sparse.csr_matrix(X), y), X)
    warm = InfomorphicClassifier(**params, warm_start=True).fit(X, y)
    out["clf_warm_start"] = _fitted_arrays(warm.fit(X, y), X)
    chunked = InfomorphicClassifier(**params)
    for lo in range(0, len(y), 200):
        chunked.partial_fit(X[lo:lo + 200], y[lo:lo + 200], classes=np.unique(y))
    out["clf_partial_fit"] = _fitted_arrays(chunked, X)

    trans = dict(n_neurons=16, max_iter=4, batch_size=64, random_state=0)
    out["trans_FL"] = _fitted_arrays(InfomorphicTransformer(**trans).fit(X), X)
    out["trans_FC"] = _fitted_arrays(InfomorphicTransformer(**trans, sources="FC").fit(X, y), X)
    part = InfomorphicTransformer(**trans)
    for lo in range(0, len(y), 200):
        part.partial_fit(X[lo:lo + 200])
    out["trans_partial_fit"] = _fitted_arrays(part, X)

    Xc, _ = make_classification(40, 60, random_state=0)
    patterns = np.where(Xc > 0, 1.0, -1.0)
    memory = InfomorphicAssociativeMemory(max_iter=50, random_state=0).fit(patterns)
    out["memory"] = _fitted_arrays(memory, patterns)
    return out


def compare(saved, current):
    """Print each array's status; returns the number of training arrays that differ."""
    differ = 0
    for config in sorted(set(saved) | set(current)):
        old, new = saved.get(config, {}), current.get(config, {})
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                status = "missing before" if key not in old else "missing now"
            elif old[key].shape != new[key].shape:
                status = f"shape {old[key].shape} -> {new[key].shape}"
            elif np.array_equal(old[key], new[key], equal_nan=True):
                continue
            else:
                gap = np.nanmax(np.abs(old[key].astype(float) - new[key].astype(float)))
                status = f"differs (max |diff| {gap:.3g})"
            decision = key in DECISION
            differ += not decision
            print(f"{config:22s} {key:28s} {status}{'  [decision]' if decision else ''}")
    return differ


def main(argv=None):
    p = parser(__doc__, "fingerprint")
    p.add_argument("--write", help="save the fitted arrays to this .npz file")
    p.add_argument("--compare", help="compare with a .npz file written by --write")
    args = p.parse_args(argv)
    current = fingerprints()
    flat = {f"{c}/{k}": v for c, arrays in current.items() for k, v in arrays.items()}
    n_arrays = len(flat)
    if args.write:
        np.savez(args.write, **flat)
        print(f"wrote {n_arrays} arrays of {len(current)} fits to {args.write}")
    differ = 0
    if args.compare:
        with np.load(args.compare) as saved_flat:
            saved = {}
            for key in saved_flat.files:
                config, name = key.split("/", 1)
                saved.setdefault(config, {})[name] = saved_flat[key]
        differ = compare(saved, current)
        print(f"{n_arrays} arrays of {len(current)} fits: {differ} training arrays differ")
    write_results(args.out, "fingerprint", vars(args),
                  {"n_arrays": n_arrays, "n_fits": len(current), "differ": differ})
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
