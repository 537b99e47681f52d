"""Benchmark: a 16-candidate GridSearchCV over goal weights, n_jobs=2 against n_jobs=1.

The search tunes the redundancy and synergy weights of the context goal (4 x 4 grid,
``goal__red`` x ``goal__syn``) of a ``StandardScaler -> InfomorphicClassifier``
pipeline on scikit-learn's digits (1797 samples, 3-fold stratified CV, 48 fits plus
the refit), with the mean redundancy of the hidden neurons recorded next to the
accuracy (multi-metric scoring). The same search runs in the same process

* with ``n_jobs=1``: one fit after the other, each fit using every numba thread the
  process may use (the estimator keeps ``n_jobs=None``);
* with ``n_jobs=2``: two joblib (loky) worker processes, each started by joblib with
  ``NUMBA_NUM_THREADS = cpus // 2``, so the engine uses that many threads per fit;
* with ``n_jobs=1`` and the estimator's ``n_jobs=1``: one fit after the other on one
  thread (tells how much of the gain comes from the processes themselves);
* with ``--dask``: on a local Dask cluster of 2 worker processes with 1 thread each,
  through ``joblib.parallel_config(backend="dask")``.

Before timing, one fit compiles or loads the numba kernels in this process, and the
loky workers (and Dask workers) are started and import the package (a real
session pays that once). The table gives wall-clock seconds per search, the numba
threads each fit used and the best accuracy; every run must give the same
cv_results_ (timings aside), which the script checks. The last line is the speed-up
of n_jobs=2 over n_jobs=1.

Run::

    python benchmarks/bench_search.py            # add --dask for the Dask row
"""

import time
import warnings

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph.metrics import make_atom_scorers

import _common
from _common import resolve_n_threads

RED = [0.25, 0.5, 0.75, 1.0]
SYN = [-0.4, -0.2, 0.0, 0.2]


def make_search(args, n_jobs, fit_threads=None):
    model = make_pipeline(
        StandardScaler(),
        InfomorphicClassifier(
            hidden_layer_sizes=(args.hidden,), sources="FC", goal="context_heuristic",
            batch_size=128, max_iter=args.epochs, random_state=0, n_jobs=fit_threads,
        ),
    )
    grid = {
        "infomorphicclassifier__goal__red": RED,
        "infomorphicclassifier__goal__syn": SYN,
    }
    scoring = {"accuracy": "accuracy", **make_atom_scorers(["red"])}
    return GridSearchCV(
        model, grid, cv=StratifiedKFold(3), scoring=scoring, refit="accuracy", n_jobs=n_jobs
    )


def threads_in_worker():
    return resolve_n_threads(None)


def timed(search, X, y):
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start


def differing_keys(a, b):
    """Keys of cv_results_ (timings aside) whose values differ between two searches."""
    keys = []
    for key in a:
        if "time" in key:
            continue
        if key == "params" or key.startswith("param_"):
            if list(a[key]) != list(b[key]):
                keys.append(key)
        elif not np.array_equal(a[key], b[key], equal_nan=True):
            keys.append(key)
    return keys


def main():
    parser = _common.parser(__doc__, "bench_search")
    parser.add_argument("--hidden", type=int, default=50, help="hidden neurons (50)")
    parser.add_argument("--epochs", type=int, default=20, help="max_iter per fit (20)")
    parser.add_argument("--dask", action="store_true", help="add a local Dask cluster run")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    n_candidates = len(RED) * len(SYN)
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    print(f"digits {X.shape}, {n_candidates} candidates x 3 folds, "
          f"hidden ({args.hidden},), {args.epochs} epochs")

    # Warm-up: numba kernels in this process, loky workers with the package imported.
    make_search(args, 1).estimator.fit(X[:300], y[:300])
    loky_threads = sorted(set(joblib.Parallel(n_jobs=2)(
        joblib.delayed(threads_in_worker)() for _ in range(4)
    )))

    rows = []
    one = make_search(args, 1)
    rows.append(("GridSearchCV(n_jobs=1)", str(resolve_n_threads(None)), timed(one, X, y), one))
    two = make_search(args, 2)
    rows.append(("GridSearchCV(n_jobs=2), loky", ",".join(map(str, loky_threads)),
                 timed(two, X, y), two))
    single = make_search(args, 1, fit_threads=1)
    rows.append(("GridSearchCV(n_jobs=1), estimator n_jobs=1", "1", timed(single, X, y), single))

    if args.dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            task_threads = client.submit(threads_in_worker, pure=False).result()
            with joblib.parallel_config(backend="dask"):
                make_search(args, None).fit(X[:300], y[:300])  # workers warm-up
                three = make_search(args, None)
                seconds = timed(three, X, y)
            rows.append(("Dask LocalCluster, 2 workers x 1 thread", str(task_threads),
                         seconds, three))

    fits = 3 * n_candidates
    print()
    print("| run | numba threads per fit | wall s | fits / s | best accuracy | same cv_results_ |")
    print("|---|---|---|---|---|---|")
    table = []
    for name, threads, seconds, search in rows:
        differ = differing_keys(rows[0][3].cv_results_, search.cv_results_)
        same = "yes" if not differ else "NO: " + ", ".join(differ)
        print(f"| {name} | {threads} | {seconds:.2f} | {fits / seconds:.2f} | "
              f"{search.best_score_:.4f} | {same} |")
        table.append({"run": name, "numba_threads_per_fit": threads, "wall_seconds": seconds,
                      "fits_per_second": fits / seconds, "best_accuracy": search.best_score_,
                      "same_cv_results": not differ})
    print()
    print(f"speed-up n_jobs=2 over n_jobs=1: {rows[0][2] / rows[1][2]:.2f}x "
          f"({rows[0][2]:.2f} s -> {rows[1][2]:.2f} s)")
    _common.write_results(args.out, "bench_search", args, {
        "table": table, "speedup_n_jobs_2_over_1": rows[0][2] / rows[1][2]}, machine)


if __name__ == "__main__":
    main()
