"""Reproduce the published infomorphic MNIST setups, side by side with baselines.

Protocol of the trivariate paper: pixels z-scored with one global mean and std of
the training images, 48,000 training / 12,000 validation images (from the 60,000)
and the 10,000 test images, batch 1024, 100 epochs, N = 100 hidden neurons.
In the same run: scikit-learn's MLPClassifier (same hidden size, same batch and
epochs) and LogisticRegression. Prints one table row per setup: median test
accuracy over the seeds, the published median, and wall time per epoch.

Usage::

    python benchmarks/reproduce_mnist.py --data ../shared/data/mnist
    python benchmarks/reproduce_mnist.py --data ../shared/data/fashion-mnist --seeds 3
    python benchmarks/reproduce_mnist.py --data DIR --hidden 2000 \\
        --lateral-connections 100 --setups trivariate_optimised

Every finished fit is appended to ``--out`` (JSON lines) so a long run can be
resumed or read while it is going.
"""

import argparse
import json
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph.datasets import load_mnist_format

# setup -> (hidden sources, goal preset, published MNIST median test accuracy %,
#           hidden binning). "auto" is the papers' binning: fixed range for
# trivariate, adaptive (max |x|) for bivariate layers. The *_fixed_bins rows are our
# variant of the context setups with fixed-range bins on [-20, 20], which measured
# higher than the papers' adaptive bins here (see README).
SETUPS = {
    "trivariate_optimised": ("FCL", "trivariate_optimised", 95.1, "auto"),
    "trivariate_heuristic": ("FCL", "trivariate_heuristic", 93.4, "auto"),
    "context_optimised": ("FC", "context_optimised", 92.7, "auto"),
    "context_heuristic": ("FC", "context_heuristic", 92.5, "auto"),
    "lateral_optimised": ("FL", "lateral_optimised", 89.0, "auto"),
    "lateral_heuristic": ("FL", "lateral_heuristic", 83.8, "auto"),
    "readout_only": (None, None, 91.9, "auto"),
    "context_optimised_fixed_bins": ("FC", "context_optimised", 92.7, "fixed"),
    "context_heuristic_fixed_bins": ("FC", "context_heuristic", 92.5, "fixed"),
}
BASELINES = ("mlp", "logistic")
PUBLISHED_SPARSE_2000 = 97.5


def load_split(data_dir):
    """z-scored 48k/12k/10k split of an MNIST-format folder."""
    X, y = load_mnist_format(data_dir, "train")
    X_test, y_test = load_mnist_format(data_dir, "test")
    X_train, y_train = X[:48000], y[:48000]
    X_val, y_val = X[48000:], y[48000:]
    mean, std = X_train.mean(), X_train.std()
    scale = lambda a: (a - mean) / std  # noqa: E731
    return scale(X_train), y_train, scale(X_val), y_val, scale(X_test), y_test


def make_estimator(setup, seed, args):
    if setup == "mlp":
        return MLPClassifier(
            hidden_layer_sizes=(args.hidden,), batch_size=args.batch_size,
            max_iter=args.epochs, random_state=seed, n_iter_no_change=args.epochs + 1,
        )
    if setup == "logistic":
        return LogisticRegression(max_iter=args.epochs * 10)
    sources, goal, _, binning = SETUPS[setup]
    hidden = () if sources is None else (args.hidden,)
    return InfomorphicClassifier(
        hidden_layer_sizes=hidden, sources=sources or "FC", goal=goal, binning=binning,
        lateral_connections=args.lateral_connections, batch_size=args.batch_size,
        max_iter=args.epochs, n_iter_no_change=args.epochs + 1, random_state=seed,
        verbose=args.verbose,
    )


def run(setup, seed, data, args):
    X_train, y_train, X_val, y_val, X_test, y_test = data
    est = make_estimator(setup, seed, args)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    epochs = getattr(est, "n_iter_", args.epochs)
    epochs = int(np.max(epochs))
    return {
        "setup": setup, "seed": seed, "epochs": epochs,
        "val_accuracy": float(est.score(X_val, y_val)),
        "test_accuracy": float(est.score(X_test, y_test)),
        "fit_seconds": seconds, "seconds_per_epoch": seconds / max(epochs, 1),
    }


def print_table(records, args):
    print()
    print("| setup | test accuracy % (median of seeds) | seeds | published MNIST % | "
          "within 0.5 of published | s / epoch |")
    print("|---|---|---|---|---|---|")
    for setup in list(SETUPS) + list(BASELINES):
        rows = [r for r in records if r["setup"] == setup]
        if not rows:
            continue
        acc = 100 * np.median([r["test_accuracy"] for r in rows])
        per_epoch = np.median([r["seconds_per_epoch"] for r in rows])
        published = SETUPS[setup][2] if setup in SETUPS else None
        if setup == "trivariate_optimised" and args.hidden == 2000:
            published = PUBLISHED_SPARSE_2000
        pub = "-" if published is None else f"{published:.1f}"
        ok = "-" if published is None else ("yes" if acc >= published - 0.5 else "no")
        # LogisticRegression has no epochs: its cell is the whole fit time.
        timing = f"{per_epoch:.2f}" if setup != "logistic" else (
            f"{rows[0]['fit_seconds']:.1f} (whole fit)"
        )
        print(f"| {setup} | {acc:.2f} | {len(rows)} | {pub} | {ok} | {timing} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="folder with the 4 idx(.gz) files")
    parser.add_argument("--setups", nargs="+", default=list(SETUPS) + list(BASELINES),
                        choices=list(SETUPS) + list(BASELINES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--lateral-connections", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--out", default="reproduce_mnist.jsonl")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()

    data = load_split(args.data)
    protocol = {
        "data": os.path.basename(os.path.normpath(args.data)), "hidden": args.hidden,
        "lateral_connections": args.lateral_connections, "max_epochs": args.epochs,
    }
    records = []
    if os.path.exists(args.out):  # resume: keep the finished fits of this protocol
        with open(args.out) as fh:
            records = [json.loads(line) for line in fh]
        records = [r for r in records if all(r.get(k) == v for k, v in protocol.items())]
    # Seeds outermost: a run cut short still has every setup at its first seeds.
    for seed in range(args.seeds):
        for setup in args.setups:
            if (setup == "logistic" and seed > 0) or any(
                r["setup"] == setup and r["seed"] == seed for r in records
            ):
                continue
            record = {**run(setup, seed, data, args), **protocol}
            records.append(record)
            with open(args.out, "a") as fh:
                fh.write(json.dumps(record) + "\n")
            print(f"{setup} seed {seed}: test {100 * record['test_accuracy']:.2f} %, "
                  f"val {100 * record['val_accuracy']:.2f} %, "
                  f"{record['seconds_per_epoch']:.2f} s/epoch", flush=True)
    print_table(records, args)


if __name__ == "__main__":
    main()
