"""Capacity of the infomorphic associative memory against the Hebbian rule.

Random +-1 patterns, N neurons (100 by default). For a load alpha = patterns / N, a
memory is trained on the patterns and every pattern is recalled twice: from the clean
pattern and from a cue with 10 % of its bits flipped. A pattern counts as recalled when
the cosine similarity of the recalled state with it is >= 0.95. The capacity is the
largest alpha at which every pattern is recalled. With one random draw of patterns per
load, recall is not monotone in the load near the capacity, so two figures are given:
the largest alpha up to which every tested load succeeded, and the largest alpha that
succeeded at all. Both are resolved to 1 / N by bisecting the number of patterns
between neighbouring loads of a coarse grid (every number of patterns for the instant
Hebbian fits). Both rules are tested on the same patterns and cues.

Published (SCIENCE.md section 6, N = 100, thousands of epochs): redundancy goal 1.59,
Hebbian rule 0.14.

Usage::

    python benchmarks/memory_capacity.py                 # epochs 100, 300, 1000, 3000
    python benchmarks/memory_capacity.py --epochs 3000   # one longer budget
    python benchmarks/memory_capacity.py --quick         # 100 epochs, N = 50

Each infomorphic fit runs exactly the given number of epochs (tol=0 and
n_iter_no_change=max_iter) on one thread; a last row uses the estimator's defaults
(max_iter=1000, stopping once the goal improves by less than tol=1e-4 for 10 epochs)
and shows the range of epochs those fits ran.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_infomorph import HebbianAssociativeMemory, InfomorphicAssociativeMemory
from sklearn_infomorph._associative_memory import flip_bits

COARSE = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2)
THRESHOLD = 0.95


class Runner:
    """Fits memories on demand (cached per rule and number of patterns) and tests them."""

    def __init__(self, n_neurons, flip, seed):
        self.n_neurons, self.flip, self.seed = n_neurons, flip, seed
        self.cache = {}

    def patterns(self, m):
        rng = np.random.default_rng([self.seed, m])
        return rng.choice([-1.0, 1.0], size=(m, self.n_neurons))

    def result(self, rule, epochs, m):
        """(fraction recalled clean, fraction recalled from noisy cues, fit seconds)."""
        key = (rule, epochs, m)
        if key not in self.cache:
            patterns = self.patterns(m)
            if rule == "hebbian":
                memory = HebbianAssociativeMemory(max_recall_steps=200)
            elif epochs is None:  # the defaults: stop once the goal stalls (tol=1e-4)
                memory = InfomorphicAssociativeMemory(
                    max_recall_steps=200, random_state=self.seed, n_jobs=1
                )
            else:
                memory = InfomorphicAssociativeMemory(
                    max_iter=epochs, tol=0.0, n_iter_no_change=epochs, max_recall_steps=200,
                    random_state=self.seed, n_jobs=1,
                )
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                memory.fit(patterns)
                seconds = time.perf_counter() - start
                clean = memory.score(patterns, threshold=THRESHOLD)
                cues = flip_bits(patterns, self.flip, np.random.RandomState(self.seed + m))
                noisy = memory.score(patterns, cues=cues, threshold=THRESHOLD)
            self.cache[key] = (clean, noisy, seconds, getattr(memory, "n_iter_", 0))
        return self.cache[key]

    def _bisect(self, rule, epochs, which, ok_m, fail_m):
        """Largest m in [ok_m, fail_m) with every pattern recalled, by bisection."""
        while fail_m - ok_m > 1:
            mid = (ok_m + fail_m) // 2
            if self.result(rule, epochs, mid)[which] == 1.0:
                ok_m = mid
            else:
                fail_m = mid
        return ok_m

    def capacity(self, rule, epochs, which):
        """Capacity from clean (which=0) or noisy (which=1) cues, two ways.

        Returns ``(first, largest, open_ended)``: ``first`` is the largest alpha up to
        which every tested load recalled every pattern (bisected below the first
        failing grid load); ``largest`` the largest alpha at which every pattern was
        recalled (bisected above the largest successful grid load; one random draw
        of patterns per load, so recall is not monotone in the load near the
        capacity). ``open_ended``: no failure above it on the grid (a lower bound).
        """
        n = self.n_neurons
        if rule == "hebbian":  # instant fits: every m
            grid = list(range(1, int(0.5 * n) + 1))
        else:
            grid = sorted({max(1, int(round(a * n))) for a in COARSE})
        fractions = []
        for m in grid:
            fractions.append(self.result(rule, epochs, m)[which])
            if fractions[-2:] == [0.0, 0.0]:  # nothing recalled twice in a row: stop
                break
        grid = grid[: len(fractions)]
        passed = [f == 1.0 for f in fractions]
        if all(passed):
            return grid[-1] / n, grid[-1] / n, True
        f = passed.index(False)
        first = self._bisect(rule, epochs, which, grid[f - 1] if f else 0, grid[f])
        if not any(passed):
            return first / n, first / n, False
        t = max(i for i, p in enumerate(passed) if p)
        if t == len(grid) - 1:
            return first / n, grid[t] / n, True
        largest = self._bisect(rule, epochs, which, grid[t], grid[t + 1])
        return first / n, largest / n, False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[100, 300, 1000, 3000])
    parser.add_argument("--n-neurons", type=int, default=100)
    parser.add_argument("--flip", type=float, default=0.1, help="fraction of flipped bits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="100 epochs, N = 50")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.n_neurons = [100], 50
    runner = Runner(args.n_neurons, args.flip, args.seed)
    n = args.n_neurons
    print(
        f"N = {n} neurons, random +-1 patterns (seed {args.seed}); recalled: cosine >= "
        f"{THRESHOLD}; noisy cues: {args.flip:.0%} of the bits flipped."
    )
    total = time.perf_counter()

    print("\nCapacity, alpha = patterns / N: up to the first failing load / largest load with")
    print("every pattern recalled")
    print(f"{'rule':<22}{'epochs':>7}{'clean cue':>14}{'noisy cue':>14}{'fits':>6}{'time':>9}")
    rows = [("hebbian", 0)] + [("infomorphic", e) for e in args.epochs]
    if not args.quick:
        rows.append(("infomorphic", None))
    for rule, epochs in rows:
        start, before = time.perf_counter(), len(runner.cache)
        cells = []
        for which in (0, 1):
            first, largest, open_ended = runner.capacity(rule, epochs, which)
            cells.append(f"{first:.2f} / {'>=' if open_ended else ''}{largest:.2f}")
        name = "Hebbian" if rule == "hebbian" else "infomorphic (red=1)"
        if epochs is None:
            used = [v[3] for k, v in runner.cache.items() if k[:2] == (rule, None)]
            name, epochs = "infomorphic, defaults", f"{min(used)}-{max(used)}"
        print(
            f"{name:<22}{epochs if epochs else '-':>7}{cells[0]:>14}{cells[1]:>14}"
            f"{len(runner.cache) - before:>6}{time.perf_counter() - start:>8.1f}s",
            flush=True,
        )

    print("\nFraction recalled against load (clean / noisy cue) and seconds per fit")
    loads = [a for a in COARSE if a <= 2.0]
    header = f"{'alpha':>6}{'Hebbian':>13}"
    for e in args.epochs:
        header += f"{f'infomorphic {e} ep.':>24}{'s/fit':>7}"
    print(header)
    for a in loads:
        m = max(1, int(round(a * n)))
        clean, noisy, *_ = runner.result("hebbian", 0, m)
        line = f"{a:>6.1f}{f'{clean:.2f} / {noisy:.2f}':>13}"
        for e in args.epochs:
            clean, noisy, seconds, _ = runner.result("infomorphic", e, m)
            line += f"{f'{clean:.2f} / {noisy:.2f}':>24}{seconds:>7.2f}"
        print(line, flush=True)
    print(f"\nTotal time: {time.perf_counter() - total:.0f} s")


if __name__ == "__main__":
    main()
