"""Fuzz report: the fuzz strategy of tests/test_fuzz.py at scale.

Draws random estimators, hyperparameters and (often bad) data with the hypothesis
strategy ``cases`` of ``tests/test_fuzz.py`` and fits each case with its ``run_case``.
Prints the cases tried, the clear errors raised (by type), the crashes (any other
exception, an error from inside the engine, or a dead worker process), the NaN models
and the slowest case (after a warm-up that loads the numba kernels). Every case is tiny
(at most 2 epochs of at most 200 samples).

Usage::

    NUMBA_CACHE_DIR=.numba_cache python benchmarks/fuzz_report.py --cases 10000 --workers 2
"""

import importlib.util
import os
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

TEST_FILE = Path(__file__).resolve().parent.parent / "tests" / "test_fuzz.py"


def _load_fuzz_module():
    spec = importlib.util.spec_from_file_location("fuzz_cases", TEST_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _warm_up(fuzz):
    """Load (or compile) the numba kernels first, so that no case's time includes it."""
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")  # the ConvergenceWarning of 1 epoch
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    for sources in ("FC", "FL", "FCL"):
        for binning in ("adaptive", "fixed"):
            params = dict(sources=sources, binning=binning, max_iter=1, n_jobs=1)
            fuzz.InfomorphicClassifier(hidden_layer_sizes=(2,), **params).fit(X, y)
            fuzz.InfomorphicTransformer(n_neurons=2, **params).fit(X, y).transform(X)


def run_worker(n_cases, seed):
    """Run ``n_cases`` drawn cases; returns (Counter of outcomes, examples, max seconds)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    fuzz = _load_fuzz_module()
    outcomes, examples, slowest = Counter(), {}, [0.0, None]
    _warm_up(fuzz)

    @hypothesis_seed(seed)
    @settings(max_examples=n_cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=fuzz.cases())
    def fuzz_all(case):
        start = time.perf_counter()
        try:
            outcome = fuzz.run_case(case)
        except fuzz.NaNModel as exc:
            outcome = "nan_model"
            examples.setdefault(outcome, (repr(case), str(exc)))
        except BaseException as exc:  # noqa: BLE001 - everything else is a crash
            outcome = f"crash:{type(exc).__name__}"
            examples.setdefault(outcome, (repr(case), traceback.format_exc(limit=-3)))
        seconds = time.perf_counter() - start
        if seconds > slowest[0]:
            slowest[:] = [seconds, repr(case)]
        outcomes[outcome] += 1

    fuzz_all()
    return outcomes, examples, slowest


def main():
    # One numba thread per worker: the workers are the parallelism. Set before numba is
    # imported (by _common), as the forked workers inherit its settings.
    os.environ["NUMBA_NUM_THREADS"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _common = importlib.import_module("_common")
    parser = _common.parser(__doc__, "fuzz_report")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    per_worker = [args.cases // args.workers] * args.workers
    per_worker[0] += args.cases - sum(per_worker)
    start = time.perf_counter()
    outcomes, examples, slowest = Counter(), {}, [0.0, None]
    crashed_workers = 0
    with ProcessPoolExecutor(args.workers) as pool:
        futures = [
            pool.submit(run_worker, n, args.seed * 1000 + k) for k, n in enumerate(per_worker)
        ]
        for future in futures:
            try:
                counts, found, worst = future.result()
            except Exception as exc:  # a worker died (segfault, out of memory)
                crashed_workers += 1
                examples.setdefault("crash:worker", ("", repr(exc)))
                continue
            outcomes.update(counts)
            for key, value in found.items():
                examples.setdefault(key, value)
            if worst[0] > slowest[0]:
                slowest = worst
    elapsed = time.perf_counter() - start

    tried = sum(outcomes.values())
    errors = {k.split(":", 1)[1]: v for k, v in outcomes.items() if k.startswith("error:")}
    crashes = sum(v for k, v in outcomes.items() if k.startswith("crash:")) + crashed_workers
    print(f"cases tried: {tried} ({args.workers} workers, {elapsed:.0f} s)")
    print(f"correct models: {outcomes.get('ok', 0)}")
    print(f"clear errors raised: {sum(errors.values())}")
    for name, count in sorted(errors.items(), key=lambda kv: -kv[1]):
        print(f"  {name}: {count}")
    print(f"crashes: {crashes}")
    for key in sorted(k for k in outcomes if k.startswith("crash:")):
        print(f"  {key[6:]}: {outcomes[key]}")
    if crashed_workers:
        print(f"  dead worker processes: {crashed_workers}")
    print(f"NaN models: {outcomes.get('nan_model', 0)}")
    print(f"slowest case: {slowest[0]:.2f} s")
    print(f"  {slowest[1]}")
    for key, (case, detail) in examples.items():
        print(f"\nfirst {key}:\n{case}\n{detail}")
    _common.write_results(args.out, "fuzz_report", args, {
        "cases": tried, "seconds": elapsed, "correct_models": outcomes.get("ok", 0),
        "clear_errors": errors, "crashes": crashes, "dead_workers": crashed_workers,
        "nan_models": outcomes.get("nan_model", 0), "slowest_case_seconds": slowest[0],
        "examples": {k: list(v) for k, v in examples.items()}}, machine)
    return 1 if crashes or outcomes.get("nan_model", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
