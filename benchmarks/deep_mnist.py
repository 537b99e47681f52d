"""Deep infomorphic networks on MNIST: 1, 2, 3 hidden layers, beside MLPClassifier.

Protocol of the trivariate paper (``_common.papers_split``: z-scored pixels, 48,000
training / 12,000 validation / 10,000 test images), batch 1024, 100 epochs (no early
stop), ``depth`` hidden layers of ``--hidden`` neurons. Every hidden layer of the
InfomorphicClassifier has sources F (the layer below), C (the one-hot label) and L
(its own outputs) with the published trivariate optimised goal (the default goal
for ``sources="FCL"``). It is scored with the deterministic ``score`` and with the
papers' test rule (:func:`sklearn_infomorph.evaluation.papers_test_accuracy`, seeded
with the fit's seed). The baseline is scikit-learn's MLPClassifier of the same
shape: adam, the same batch size, ``max_iter`` = the epochs, no early stopping and
no stop on the training loss (``n_iter_no_change`` > epochs), its default learning
rate 0.001 and ``alpha`` 1e-4.

What each layer holds, per fit:

- the mean PID atoms per hidden layer (``pid_atoms_``, last epoch, bits): redundancy
  ``{F}{C}{L}``, unique ``{F}``, ``{C}``, ``{L}``, synergy ``{FCL}``, the mutual
  information with the label ``MI_C`` and the whole ``MI``, the output entropy ``H_T``;
- a linear probe: LogisticRegression trained on each hidden layer's deterministic
  outputs of the training images, its accuracy on the test images (for the MLP the
  same on its ReLU activations);
- the layer's code of the test images: mean information of one unit's sign about the
  label, mean absolute correlation between units, participation ratio (effective
  number of dimensions) of the outputs.

Usage::

    python benchmarks/deep_mnist.py --data ../shared/data/mnist
    python benchmarks/deep_mnist.py --data ../shared/data/mnist --quick   # a few minutes
    python benchmarks/deep_mnist.py --data ../shared/data/fashion-mnist --seeds 1
    python benchmarks/deep_mnist.py --data DIR --table

Every finished (dataset, model, depth, seed) is appended to ``--out`` (JSON lines) and
skipped when the script is run again with the same protocol; ``--table`` prints the
tables of ``--out`` and exits. The summary JSON goes beside ``--out``.
"""

import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph.evaluation import papers_test_accuracy

import _common

MODELS = ("infomorphic", "mlp")
# Columns of pid_atoms_ kept per hidden layer (trivariate lattice, bits).
ATOMS = {"redundancy": "{F}{C}{L}", "unique_F": "{F}", "unique_C": "{C}",
         "unique_L": "{L}", "synergy": "{FCL}", "MI_C": "MI_C", "MI_F": "MI_F",
         "MI": "MI", "H_T": "H_T"}


def make_estimator(model, depth, seed, args):
    shape = (args.hidden,) * depth
    if model == "mlp":
        return MLPClassifier(
            hidden_layer_sizes=shape, solver="adam", batch_size=args.batch_size,
            max_iter=args.epochs, early_stopping=False, n_iter_no_change=args.epochs + 1,
            random_state=seed,
        )
    return InfomorphicClassifier(
        hidden_layer_sizes=shape, sources="FCL", batch_size=args.batch_size,
        max_iter=args.epochs, n_iter_no_change=args.epochs + 1, random_state=seed,
        verbose=args.verbose, n_jobs=args.n_jobs,
    )


def layer_outputs(est, X):
    """Deterministic outputs of every hidden layer: the infomorphic layers' expected
    outputs 2 theta - 1, the MLP's ReLU activations."""
    if isinstance(est, InfomorphicClassifier):
        return _common.hidden_layer_outputs(est, X)
    outputs = []
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        X = np.maximum(X @ W + b, 0.0)
        outputs.append(X)
    return outputs


def code_statistics(outputs, y):
    """How a layer's outputs on the test images code the label: the mean plug-in
    information (bits) of one unit's sign (MLP: active or not) about the label, the
    mean absolute correlation between two units, and the participation ratio of the
    outputs' covariance eigenvalues (``(sum l)^2 / sum l^2``, the effective number of
    dimensions)."""
    classes, y_idx = np.unique(y, return_inverse=True)
    p_y = np.bincount(y_idx, minlength=len(classes)) / len(y)
    h_y = -np.sum(p_y * np.log2(p_y))
    bits = []
    for on in (outputs > 0).T:
        h_y_given = 0.0
        for part in (on, ~on):
            if part.any():
                p = np.bincount(y_idx[part], minlength=len(classes)) / part.sum()
                p = p[p > 0]
                h_y_given -= part.mean() * np.sum(p * np.log2(p))
        bits.append(h_y - h_y_given)
    live = outputs[:, outputs.std(axis=0) > 1e-12]
    corr = np.corrcoef(live, rowvar=False)
    off = corr[~np.eye(len(corr), dtype=bool)]
    eig = np.clip(np.linalg.eigvalsh(np.cov(outputs, rowvar=False)), 0.0, None)
    return {"mi_unit_label": float(np.mean(bits)), "mean_abs_corr": float(np.mean(np.abs(off))),
            "participation_ratio": float(eig.sum() ** 2 / np.sum(eig ** 2)),
            "dead_units": int(outputs.shape[1] - live.shape[1])}


def probe(est, data):
    """Test accuracy of a LogisticRegression on each hidden layer's outputs, and the
    :func:`code_statistics` of each layer on the test images."""
    X_train, y_train, _, _, X_test, y_test = data
    accuracies, codes = [], []
    for train, test in zip(layer_outputs(est, X_train), layer_outputs(est, X_test)):
        codes.append(code_statistics(test, y_test))
        scale = train.std(axis=0) + 1e-12
        mean = train.mean(axis=0)
        lr = LogisticRegression(max_iter=300)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lr.fit((train - mean) / scale, y_train)
        accuracies.append(float(lr.score((test - mean) / scale, y_test)))
    return accuracies, codes


def atoms_per_layer(est):
    """Mean PID atoms (bits) of each hidden layer, last epoch: the ``ATOMS`` under
    their plain names, and every column of ``pid_atoms_`` under its own name."""
    means = est.pid_atoms_.groupby(level="layer", sort=False).mean()
    layers = {}
    for layer in means.index:
        if layer == "readout":
            continue
        row = means.loc[layer].dropna()
        layers[layer] = {**{key: float(row[column]) for key, column in ATOMS.items()
                            if column in row.index},
                         **{column: float(value) for column, value in row.items()}}
    return layers


def run(model, depth, seed, data, args):
    X_train, y_train, X_val, y_val, X_test, y_test = data
    est = make_estimator(model, depth, seed, args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        est.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    epochs = int(est.n_iter_)
    record = {
        "model": model, "depth": depth, "seed": seed, "epochs": epochs,
        "val_accuracy": float(est.score(X_val, y_val)),
        "test_accuracy": float(est.score(X_test, y_test)),
        "fit_seconds": seconds, "seconds_per_epoch": seconds / max(epochs, 1),
        "load_average": _common.load_average(),
    }
    if model == "infomorphic":
        record["papers_test_accuracy"] = papers_test_accuracy(
            est, X_test, y_test, batch_size=1024, random_state=seed)
        record["atoms"] = atoms_per_layer(est)
        record["goal_last_epoch"] = [float(g) for g in est.goal_curve_[-1]]
    record["probe_accuracy"], record["codes"] = probe(est, data)
    return record


def _cell(values, digits=2, scale=100):
    values = [scale * v for v in values]
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (f"{np.median(values):.{digits}f} "
            f"({', '.join(f'{v:.{digits}f}' for v in values)})")


def print_tables(records):
    rows_of = {}
    for r in records:
        rows_of.setdefault(r["depth"], {}).setdefault(r["model"], []).append(r)
    print()
    print("| hidden layers | papers' test rule % | deterministic predict % | MLP % | seeds |")
    print("|---|---|---|---|---|")
    table = []
    for depth in sorted(rows_of):
        info = sorted(rows_of[depth].get("infomorphic", []), key=lambda r: r["seed"])
        mlp = sorted(rows_of[depth].get("mlp", []), key=lambda r: r["seed"])
        row = {
            "depth": depth,
            "papers_rule": _cell([r["papers_test_accuracy"] for r in info]) if info else "-",
            "deterministic": _cell([r["test_accuracy"] for r in info]) if info else "-",
            "mlp": _cell([r["test_accuracy"] for r in mlp]) if mlp else "-",
            "seeds": f"{len(info)} / {len(mlp)}",
        }
        table.append(row)
        print(f"| {depth} | {row['papers_rule']} | {row['deterministic']} | {row['mlp']} "
              f"| {row['seeds']} |")
    print()
    print("Linear probe (LogisticRegression) test accuracy % on each hidden layer's "
          "outputs, median over seeds:")
    print("| model | hidden layers | layer 1 | layer 2 | layer 3 |")
    print("|---|---|---|---|---|")
    for depth in sorted(rows_of):
        for model in MODELS:
            rows = rows_of[depth].get(model, [])
            if not rows:
                continue
            probes = np.array([r["probe_accuracy"] for r in rows])
            cells = [f"{100 * np.median(probes[:, k]):.2f}" for k in range(depth)]
            print(f"| {model} | {depth} | {' | '.join(cells + ['-'] * (3 - depth))} |")
    print()
    print("Each hidden layer's code of the test images, median over seeds: mean "
          "I(unit; label) bits / mean |correlation| of two units / participation ratio:")
    print("| model | hidden layers | layer 1 | layer 2 | layer 3 |")
    print("|---|---|---|---|---|")
    for depth in sorted(rows_of):
        for model in MODELS:
            rows = [r for r in rows_of[depth].get(model, []) if "codes" in r]
            if not rows:
                continue
            cells = [" / ".join(f"{np.median([r['codes'][k][key] for r in rows]):.3g}"
                                for key in ("mi_unit_label", "mean_abs_corr",
                                            "participation_ratio"))
                     for k in range(depth)]
            print(f"| {model} | {depth} | {' | '.join(cells + ['-'] * (3 - depth))} |")
    print()
    print("Mean PID atoms per hidden layer (bits, last epoch), median over seeds:")
    print("| hidden layers | layer | " + " | ".join(ATOMS) + " |")
    print("|---|---|" + "---|" * len(ATOMS))
    atoms_table = []
    for depth in sorted(rows_of):
        rows = rows_of[depth].get("infomorphic", [])
        if not rows:
            continue
        for layer in rows[0]["atoms"]:
            values = {key: float(np.median([r["atoms"][layer].get(key, np.nan)
                                            for r in rows])) for key in ATOMS}
            atoms_table.append({"depth": depth, "layer": layer, **values})
            print(f"| {depth} | {layer} | "
                  + " | ".join(f"{v:.3f}" for v in values.values()) + " |")
    return {"accuracy": table, "atoms": atoms_table}


def main():
    parser = _common.parser(__doc__, "deep_mnist", data=True, records=".jsonl")
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--n-train", type=int, default=48000,
                        help="training images (fewer for a smoke run)")
    parser.add_argument("--n-jobs", type=int, default=1, help="engine threads per fit")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 3 epochs on 4,800 training images, seed 0")
    parser.add_argument("--table", action="store_true", help="print the tables of --out")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    if args.quick:  # the protocol records these, so quick records never mix with full ones
        args.epochs, args.n_train, args.seeds = 3, 4800, [0]
    data_name = os.path.basename(os.path.normpath(args.data))
    protocol = {"data": data_name, "hidden": args.hidden, "max_epochs": args.epochs,
                "batch_size": args.batch_size, "n_train": args.n_train}

    def keep(record):
        return all(record.get(k) == v for k, v in protocol.items())

    records = _common.read_json_lines(args.out, keep)
    if args.table:
        print_tables(records)
        return
    machine = _common.machine_info()
    print(_common.machine_line(machine), flush=True)
    split = _common.papers_split(args.data, n_train=args.n_train)
    data = (*split["train"], *split["val"], *split["test"])
    # Seeds outermost: a run cut short still has every depth at its first seeds.
    # The records are read again before each fit, so that two processes sharing --out
    # (e.g. one going through the seeds and depths in reverse) skip each other's fits.
    for seed in args.seeds:
        for depth in args.depths:
            for model in args.models:
                records = _common.read_json_lines(args.out, keep)
                if any(r["model"] == model and r["depth"] == depth and r["seed"] == seed
                       for r in records):
                    continue
                record = {**run(model, depth, seed, data, args), **protocol}
                records.append(record)
                _common.append_json_line(args.out, record)
                papers = record.get("papers_test_accuracy")
                papers = "" if papers is None else f"papers' rule {100 * papers:.2f} %, "
                print(f"{data_name} {model} depth {depth} seed {seed}: {papers}"
                      f"test {100 * record['test_accuracy']:.2f} %, probes "
                      f"{[round(100 * p, 2) for p in record['probe_accuracy']]}, "
                      f"{record['seconds_per_epoch']:.2f} s/epoch, load "
                      f"{record['load_average']}", flush=True)
    tables = print_tables(records)
    _common.write_results(_common.summary_path(args.out), "deep_mnist", args,
                          {"protocol": protocol, "tables": tables, "fits": records}, machine)


if __name__ == "__main__":
    main()
