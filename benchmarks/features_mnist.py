"""Infomorphic features on MNIST against classic representations, one LogisticRegression on top.

Protocol (as the trivariate paper): pixels z-scored with one global mean and std of
the training images, the first 48,000 training images to fit, the 10,000 test
images to score, batch 1024, N = 100 units. Representations, each followed by
``LogisticRegression(max_iter=1000)`` fitted on the same 48,000 images:

- ``lateral_heuristic`` / ``lateral_optimised``: our unsupervised layer
  (``InfomorphicTransformer``, sources F + L, the published heuristic or optimised
  lateral goal), firing probabilities as features, ``--epochs`` epochs;
- ``supervised``: our layer with the label as context during training (sources
  F + C + L, published optimised trivariate goal); transform needs no labels;
- ``pca``: PCA(100); ``sign_projection``: sign of a GaussianRandomProjection(100);
  ``rbm``: BernoulliRBM(100) on pixels min-max scaled to [0, 1]; ``pixels``: the
  784 z-scored pixels.

Columns of the printed markdown table (median over ``--seeds`` for the random
representations):

- test accuracy of the logistic readout, %;
- ``I(code; label)``: plug-in mutual information between the label and the whole
  binary code (the tuple of all units, binarised as below) on the test images.
  With 100 units nearly every image has its own code, so this estimate saturates
  at about H(label) = 3.32 bits for every representation: it says the code is
  injective, not that it is useful;
- mean per-unit ``I(unit; label)``: the plug-in information of each binary unit
  about the label, averaged over units (bits), which does separate them;
- seconds to fit the representation (not the readout).

Binary codes: our units fire (+1) when their firing probability is >= 0.5 (the
``output="sign"`` code); RBM hidden units when their probability is >= 0.5; PCA
components and random projections by their sign; pixels when above the global
mean intensity (z-score > 0).

The published infomorphic readout on the unsupervised lateral layer reaches
89.0 % (optimised) and 83.8 % (heuristic) at N = 100 and the trivariate optimised
network 95.1 %; the "published" column shows these for reference.

Usage::

    python benchmarks/features_mnist.py --data ../shared/data/mnist
    python benchmarks/features_mnist.py --data DIR --epochs 1 --subsample 5000 \\
        --rbm-epochs 1                                   # smoke test, ~a minute
    python benchmarks/features_mnist.py --quick          # the same smoke test

Every finished fit is appended to ``--out`` (JSON lines), the summary goes beside it
(``.json``).
"""

import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM
from sklearn.random_projection import GaussianRandomProjection

from sklearn_infomorph import InfomorphicTransformer

import _common

# name -> (sources, goal preset, published infomorphic-readout MNIST accuracy %)
OURS = {
    "lateral_heuristic": ("FL", "lateral_heuristic", 83.8),
    "lateral_optimised": ("FL", "lateral_optimised", 89.0),
    "supervised": ("FCL", "trivariate_optimised", 95.1),
}
BASELINES = ("pca", "sign_projection", "rbm", "pixels")
RANDOM = set(OURS) | {"sign_projection", "rbm"}  # representations that depend on the seed


def load_split(data_dir, subsample=None):
    """The papers' split (first 48k training images z-scored, the 10k test images) plus
    the pixels scaled to [0, 1] by the training images' range (for the RBM)."""
    split = _common.papers_split(data_dir, 48000 if subsample is None else subsample)
    (X_train, y_train), (X_test, y_test) = split["train"], split["test"]
    lo, hi = X_train.min(), X_train.max()
    return {
        "train": (X_train, y_train),
        "test": (X_test, y_test),
        "unit_train": (X_train - lo) / (hi - lo),
        "unit_test": np.clip((X_test - lo) / (hi - lo), 0.0, 1.0),
    }


# -- information ----------------------------------------------------------------------
def _entropy(counts):
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def code_label_information(codes, y):
    """Plug-in I(code; y) in bits, a code being the tuple of all binary units of a row."""
    _, code_idx = np.unique(np.packbits(codes, axis=1), axis=0, return_inverse=True)
    code_idx = code_idx.ravel()
    _, y_idx = np.unique(y, return_inverse=True)
    joint = code_idx * (y_idx.max() + 1) + y_idx
    return (
        _entropy(np.bincount(code_idx)) + _entropy(np.bincount(y_idx))
        - _entropy(np.bincount(joint))
    )


def unit_label_information(codes, y):
    """Plug-in I(unit; y) in bits of every binary unit (column of ``codes``)."""
    classes, y_idx = np.unique(y, return_inverse=True)
    onehot = np.eye(len(classes))[y_idx]  # (n, K)
    on = onehot.T @ codes.astype(np.float64)  # (K, d): counts of unit = 1 per class
    n_class = onehot.sum(axis=0)[:, None]
    joint = np.stack([on, n_class - on]) / len(y)  # (2, K, d)
    p_unit = joint.sum(axis=1, keepdims=True)  # (2, 1, d)
    p_y = joint.sum(axis=0, keepdims=True)  # (1, K, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(joint > 0, joint * np.log2(joint / (p_unit * p_y)), 0.0)
    return terms.sum(axis=(0, 1))


# -- representations -------------------------------------------------------------------
def fit_representation(name, seed, data, args):
    """Fit one representation; returns (train features, test features, test codes, s)."""
    X_train, y_train = data["train"]
    X_test, _ = data["test"]
    start = time.perf_counter()
    if name in OURS:
        sources, goal, _ = OURS[name]
        est = InfomorphicTransformer(
            n_neurons=args.units, sources=sources, goal=goal, batch_size=args.batch_size,
            max_iter=args.epochs, n_iter_no_change=args.epochs + 1, random_state=seed,
            verbose=args.verbose, n_jobs=args.n_jobs,
        )
        est.fit(X_train, y_train if "C" in sources else None)
        seconds = time.perf_counter() - start
        F_train, F_test = est.transform(X_train), est.transform(X_test)
        return F_train, F_test, F_test >= 0.5, seconds
    if name == "pca":
        est = PCA(n_components=args.units, random_state=seed).fit(X_train)
        seconds = time.perf_counter() - start
        F_train, F_test = est.transform(X_train), est.transform(X_test)
        return F_train, F_test, F_test > 0, seconds
    if name == "sign_projection":
        est = GaussianRandomProjection(n_components=args.units, random_state=seed).fit(X_train)
        seconds = time.perf_counter() - start
        F_train, F_test = np.sign(est.transform(X_train)), np.sign(est.transform(X_test))
        return F_train, F_test, F_test > 0, seconds
    if name == "rbm":
        est = BernoulliRBM(
            n_components=args.units, learning_rate=0.06, batch_size=10,
            n_iter=args.rbm_epochs, random_state=seed,
        ).fit(data["unit_train"])
        seconds = time.perf_counter() - start
        F_train, F_test = est.transform(data["unit_train"]), est.transform(data["unit_test"])
        return F_train, F_test, F_test >= 0.5, seconds
    if name == "pixels":
        return X_train, X_test, X_test > 0, 0.0
    raise ValueError(f"unknown representation {name!r}")


def run(name, seed, data, args):
    _, y_train = data["train"]
    _, y_test = data["test"]
    F_train, F_test, codes, fit_seconds = fit_representation(name, seed, data, args)
    start = time.perf_counter()
    readout = LogisticRegression(max_iter=1000).fit(F_train, y_train)
    readout_seconds = time.perf_counter() - start
    return {
        "representation": name, "seed": seed, "n_features": F_train.shape[1],
        "test_accuracy": float(readout.score(F_test, y_test)),
        "code_mi": code_label_information(codes, y_test),
        "unit_mi": float(unit_label_information(codes, y_test).mean()),
        "fit_seconds": fit_seconds, "readout_seconds": readout_seconds,
    }


def print_table(records, args):
    print()
    print(f"MNIST, {args.units} units, {args.n_train} training "
          f"images, 10000 test images, our layers {args.epochs} epochs; "
          f"H(label) = {args.h_label:.3f} bits")
    print()
    print("| representation | test accuracy % | published infomorphic readout % | "
          "I(code; label) bits | mean I(unit; label) bits | fit s | seeds |")
    print("|---|---|---|---|---|---|---|")
    table = []
    for name in list(OURS) + list(BASELINES):
        rows = [r for r in records if r["representation"] == name]
        if not rows:
            continue
        med = lambda key: float(np.median([r[key] for r in rows]))  # noqa: E731
        published = OURS[name][2] if name in OURS else None
        pub = "-" if published is None else f"{published:.1f}"
        label = name if name not in OURS else f"infomorphic {name} ({OURS[name][0]})"
        if name == "pixels":
            label = f"raw pixels ({rows[0]['n_features']})"
        print(f"| {label} | {100 * med('test_accuracy'):.2f} | {pub} | {med('code_mi'):.3f} "
              f"| {med('unit_mi'):.4f} | {med('fit_seconds'):.1f} | {len(rows)} |")
        table.append({"representation": name, "test_accuracy": med("test_accuracy"),
                      "published_percent": published, "code_mi": med("code_mi"),
                      "unit_mi": med("unit_mi"), "fit_seconds": med("fit_seconds"),
                      "seeds": len(rows)})
    return table


def main():
    parser = _common.parser(__doc__, "features_mnist", data=True, records=".jsonl")
    parser.add_argument("--epochs", type=int, default=100, help="epochs of our layers")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--rbm-epochs", type=int, default=20)
    parser.add_argument("--subsample", type=int, default=None,
                        help="use only the first N training images (smoke tests)")
    parser.add_argument("--representations", nargs="+", default=list(OURS) + list(BASELINES),
                        choices=list(OURS) + list(BASELINES))
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 epoch, 5,000 training images, 1 RBM epoch")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="threads of our layers (default: numba's setting)")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.subsample, args.rbm_epochs = 1, 5000, 1
    print(_common.machine_line())

    data = load_split(args.data, args.subsample)
    args.n_train = len(data["train"][1])
    args.h_label = _entropy(np.bincount(data["test"][1]))
    records = []
    for seed in range(args.seeds):
        for name in args.representations:
            if name not in RANDOM and seed > 0:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                record = run(name, seed, data, args)
            record.update(epochs=args.epochs, n_train=args.n_train, units=args.units)
            records.append(record)
            _common.append_json_line(args.out, record)
            print(f"{name} seed {seed}: test {100 * record['test_accuracy']:.2f} %, "
                  f"I(code;label) {record['code_mi']:.3f} bits, mean I(unit;label) "
                  f"{record['unit_mi']:.4f} bits, fit {record['fit_seconds']:.1f} s, "
                  f"readout {record['readout_seconds']:.1f} s", flush=True)
    table = print_table(records, args)
    _common.write_results(_common.summary_path(args.out), "features_mnist", args,
                          {"table": table, "fits": records})


if __name__ == "__main__":
    main()
