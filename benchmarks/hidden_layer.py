"""What the hidden layer can learn: Pipeline recipes on two non-linear problems.

``make_moons(500, noise=0.25)`` and ``make_classification(3000, 30, n_informative=20,
n_classes=5)`` (both ``random_state=0``), one fixed stratified 70/30 split
(``random_state=0``), ``StandardScaler`` first; each configuration with the models'
``random_state`` 0, 1 and 2; test accuracy (and training accuracy, fit seconds) per
fit. The table and what it says: the user guide's limitations page, *What a hidden
layer learns*. Configurations (``--configs``, default all):

- ``default``: ``InfomorphicClassifier()``; ``logistic``, ``mlp``: scikit-learn's
  ``LogisticRegression(max_iter=1000)`` and ``MLPClassifier(max_iter=1000)``;
- ``xK_FLN+C``: inputs times K, an unsupervised ``InfomorphicTransformer(N,
  learning_rate_init=0.01)`` (sources F, L; the published lateral optimised goal),
  then ``InfomorphicClassifier()``; ``FLheur``: ``goal="lateral_heuristic"``;
  ``lr02``: the transformer at 0.02; ``+C_FC``: the classifier with ``sources="FC"``;
  ``+LR``: LogisticRegression on top;
- ``x8_rand500+readout`` / ``+LR``: a frozen random layer
  (``InfomorphicTransformer(500, sources="FC", learning_rate_init=1e-9)``) under the
  classifier's readout alone or LogisticRegression.

Usage::

    python benchmarks/hidden_layer.py      # all: 11 min of fits on 2 shared cores, load 3-4
    python benchmarks/hidden_layer.py --data moons --configs default x4_FLheur100+C

Every fit is appended to ``--out`` (JSON lines) as it finishes; a rerun skips the fits
already there. The summary (mean and per-seed accuracy) goes beside it as JSON.
"""

import time
import warnings
from functools import partial

import numpy as np
from sklearn.datasets import make_classification, make_moons
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer

import _common

SEEDS = (0, 1, 2)


def load(name):
    if name == "moons":
        return make_moons(500, noise=0.25, random_state=0)
    return make_classification(3000, 30, n_informative=20, n_classes=5, random_state=0)


def _scale(k):
    return FunctionTransformer(partial(np.multiply, k))


def _lateral(n, seed, lr=0.01, **params):
    return InfomorphicTransformer(n, learning_rate_init=lr, random_state=seed, **params)


def _random(seed):
    return InfomorphicTransformer(500, sources="FC", learning_rate_init=1e-9,
                                  random_state=seed)


def _clf(seed, *args, **params):
    return InfomorphicClassifier(*args, random_state=seed, **params)


HEUR = dict(goal="lateral_heuristic")
CONFIGS = {
    "default": lambda s: [_clf(s)],
    "logistic": lambda s: [LogisticRegression(max_iter=1000)],
    "mlp": lambda s: [MLPClassifier(max_iter=1000, random_state=s)],
    "x1_FL100+C": lambda s: [_lateral(100, s), _clf(s)],
    "x2_FL100+C": lambda s: [_scale(2.0), _lateral(100, s), _clf(s)],
    "x4_FL100+C": lambda s: [_scale(4.0), _lateral(100, s), _clf(s)],
    "x8_FL100+C": lambda s: [_scale(8.0), _lateral(100, s), _clf(s)],
    "x4_FL400+C": lambda s: [_scale(4.0), _lateral(400, s), _clf(s)],
    "x4_FL100lr02+C": lambda s: [_scale(4.0), _lateral(100, s, lr=0.02), _clf(s)],
    "x4_FL100+C_FC": lambda s: [_scale(4.0), _lateral(100, s), _clf(s, sources="FC")],
    "x4_FL100+LR": lambda s: [_scale(4.0), _lateral(100, s),
                              LogisticRegression(max_iter=1000)],
    "x1_FLheur100+C": lambda s: [_lateral(100, s, **HEUR), _clf(s)],
    "x4_FLheur100+C": lambda s: [_scale(4.0), _lateral(100, s, **HEUR), _clf(s)],
    "x4_FLheur400+C": lambda s: [_scale(4.0), _lateral(400, s, **HEUR), _clf(s)],
    "x8_rand500+readout": lambda s: [_scale(8.0), _random(s), _clf(s, ())],
    "x8_rand500+LR": lambda s: [_scale(8.0), _random(s), LogisticRegression(max_iter=1000)],
}


def run(config, name, seed):
    """Test and training accuracy and fit seconds of one configuration and seed."""
    X, y = load(name)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0)
    model = make_pipeline(StandardScaler(), *CONFIGS[config](seed))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter warnings of the 100-epoch defaults
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return {"accuracy": float(np.mean(model.predict(X_test) == y_test)),
            "train_accuracy": float(np.mean(model.predict(X_train) == y_train)),
            "fit_seconds": seconds}


def main():
    parser = _common.parser(__doc__, "hidden_layer", records=".jsonl")
    parser.add_argument("--data", nargs="+", default=["moons", "five"],
                        choices=["moons", "five"])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    args = parser.parse_args()
    print(_common.machine_line())
    records = _common.read_json_lines(args.out)
    done = {(r["config"], r["data"], r["seed"]): r["result"] for r in records}
    for name in args.data:
        for config in args.configs:
            for seed in args.seeds:
                if (config, name, seed) in done:
                    continue
                done[config, name, seed] = r = run(config, name, seed)
                _common.append_json_line(args.out, {"config": config, "data": name,
                                                    "seed": seed, "result": r})
                print(f"{config:>20} {name:>6} seed {seed}: {r['accuracy']:.3f} (train "
                      f"{r['train_accuracy']:.3f}, {r['fit_seconds']:.1f} s)", flush=True)
    summary = {}
    for config in args.configs:
        for name in args.data:
            accs = [done[config, name, s]["accuracy"] for s in args.seeds
                    if (config, name, s) in done]
            summary.setdefault(config, {})[name] = {"mean": float(np.mean(accs)),
                                                    "seeds": accs}
            print(f"{config:>20} {name:>6}: {np.mean(accs):.3f} "
                  f"({' '.join(f'{a:.3f}' for a in accs)})")
    _common.write_results(_common.summary_path(args.out), "hidden_layer", args, summary)


if __name__ == "__main__":
    main()
