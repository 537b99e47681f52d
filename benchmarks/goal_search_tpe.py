"""Does Optuna's TPE find a context goal at least as good as the published heuristic?

The papers' hidden-layer goal for a feedforward + context (FC) layer: the heuristic
``red = 1`` (rest 0); their "optimised" goals came from Optuna's TPE sampler over
weights in [-1, 1]. Here, on the 8x8 digits (train / validation / test, stratified):

1. a TPE study (seeded) over the five bivariate weights ``red, unq_F, unq_C, syn,
   H_res`` maximises the validation accuracy of an ``InfomorphicClassifier``
   (one fit per trial, random_state=0); trial 0 is the heuristic itself
   (``enqueue_trial``), so the search is compared with it on equal terms;
2. the heuristic and the best goal found are refitted with other seeds and scored on
   the test rows, which the search never saw (the best validation score is biased
   upwards by the selection).

Prints, per trial, the validation accuracy and the best so far, the trial at which
TPE first matched / beat the heuristic, and the test accuracies (per seed, mean and
median) of both goals.

Usage::

    python benchmarks/goal_search_tpe.py                # 60 trials, 5 test seeds
    python benchmarks/goal_search_tpe.py --quick        # 8 trials, 2 seeds
"""

import time
import warnings

import numpy as np
import optuna
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import Goal, InfomorphicClassifier

import _common

WEIGHTS = ["red", "unq_F", "unq_C", "syn", "H_res"]


def data():
    X, y = load_digits(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                      stratify=y)
    X_tr, X_val, y_tr, y_val = train_test_split(X_rest, y_rest, test_size=0.33,
                                                random_state=0, stratify=y_rest)
    scaler = StandardScaler().fit(X_tr)
    return [scaler.transform(a) for a in (X_tr, X_val, X_test)], (y_tr, y_val, y_test)


def model(goal, seed, args):
    return InfomorphicClassifier(
        hidden_layer_sizes=(args.neurons,), sources="FC", goal=goal, batch_size=128,
        max_iter=args.epochs, random_state=seed, n_jobs=1,
    )


def main():
    ap = _common.parser(__doc__, "goal_search_tpe")
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=5, help="test refits per goal")
    ap.add_argument("--neurons", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--sampler-seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.trials, args.seeds, args.neurons, args.epochs = 8, 2, 20, 10
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    (X_tr, X_val, X_test), (y_tr, y_val, y_test) = data()

    def objective(trial):
        goal = Goal(**{w: trial.suggest_float(w, -1.0, 1.0) for w in WEIGHTS})
        return model(goal, 0, args).fit(X_tr, y_tr).score(X_val, y_val)

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=args.sampler_seed)
    )
    study.enqueue_trial({w: 1.0 if w == "red" else 0.0 for w in WEIGHTS})
    start = time.perf_counter()
    study.optimize(objective, n_trials=args.trials)
    search_s = time.perf_counter() - start
    values = np.array([t.value for t in study.trials])
    heuristic_val = values[0]
    best_so_far = np.maximum.accumulate(values)
    print(f"{args.trials} trials ({args.neurons} neurons, {args.epochs} epochs) in "
          f"{search_s:.0f} s; validation accuracy per trial (best so far):")
    for i, (v, b) in enumerate(zip(values, best_so_far)):
        print(f"  trial {i:3d}: {v:.4f} ({b:.4f})" + ("  <- heuristic red=1" if i == 0 else ""))
    matched = np.flatnonzero(values[1:] >= heuristic_val)
    beaten = np.flatnonzero(values[1:] > heuristic_val)
    print(f"heuristic validation accuracy {heuristic_val:.4f}; best {values.max():.4f} "
          f"(trial {int(values.argmax())})")
    print("first TPE trial >= heuristic: "
          + (f"trial {matched[0] + 1}" if len(matched) else "none")
          + "; first > heuristic: " + (f"trial {beaten[0] + 1}" if len(beaten) else "none"))
    best = Goal(**study.best_params)
    print("best goal:", {k: round(v, 3) for k, v in study.best_params.items()})
    seeds = range(1, args.seeds + 1)
    results = {}
    for name, goal in [("heuristic red=1", Goal(red=1.0)), ("TPE best", best)]:
        scores = np.array([model(goal, s, args).fit(X_tr, y_tr).score(X_test, y_test)
                           for s in seeds])
        results[name] = scores
        print(f"{name:16s} test accuracy, seeds {list(seeds)}: "
              + ", ".join(f"{s:.4f}" for s in scores)
              + f"; mean {scores.mean():.4f}, median {np.median(scores):.4f}")
    diff = results["TPE best"] - results["heuristic red=1"]
    print("TPE best - heuristic, per seed: " + ", ".join(f"{d:+.4f}" for d in diff)
          + f"; mean {diff.mean():+.4f}; TPE at least as good in {int((diff >= 0).sum())} "
          f"of {len(diff)} seeds")
    _common.write_results(args.out, "goal_search_tpe", args, {
        "search_seconds": search_s, "validation_accuracy_per_trial": values,
        "best_goal": study.best_params, "test_accuracy": results,
        "test_seeds": list(seeds)}, machine)


if __name__ == "__main__":
    main()
