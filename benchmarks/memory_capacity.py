"""Capacity of the infomorphic associative memory against the Hebbian rule, over draws.

Protocol of Blümel et al., "Redundancy maximization as a principle of associative
memory learning" (arXiv 2511.02584), as we use it: N = 100 neurons, random +-1
patterns, load alpha = patterns / N. Training: the redundancy goal, full batch, Adam
lr 0.05, a fixed number of epochs (thousands; here ``--epochs``, run to the end with
tol=0). Recall: external input 0, synchronous sign updates from the cue to a fixed
point or a 2-cycle; a pattern counts as recalled when the cosine similarity of the
recalled state with it is >= 0.95. Published: capacity 1.59 patterns per neuron
with the redundancy goal, 0.14 with the Hebbian rule.

Capacity of one draw: the largest alpha up to which every tested load recalled
every pattern. The patterns of a draw are nested (load m uses the first m rows of
one random matrix), so that adding patterns is the only change between loads; the
load is resolved to 1 / N by bisection between the last load of a coarse grid that
passed and the first that failed (every m for the instant Hebbian fits). Both rules
see the same patterns. Cues: the stored patterns themselves (stability, the
capacity above), and cues with 10 % of the bits flipped (``--flip``; the bits chosen
at random per cue, the same for both rules). Every figure is given over
``--draws`` independent draws of patterns: mean, standard deviation and range.

Every fit's result goes to ``--out`` (JSON lines) as it finishes; a rerun with the
same file skips the fits already done (resumable; run it in the background). The
tables and the machine go to a JSON summary beside ``--out``.

Usage::

    python benchmarks/memory_capacity.py --out memory.jsonl            # 5 draws, 3000 ep.
    python benchmarks/memory_capacity.py --epochs 1000 --draws 10
    python benchmarks/memory_capacity.py --quick                       # N = 50, 2 draws
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_infomorph import HebbianAssociativeMemory, InfomorphicAssociativeMemory

import _common
from _common import flip_bits

COARSE = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.5, 1.6, 1.7, 1.8, 2.0, 2.2)
THRESHOLD = 0.95
PUBLISHED = {"infomorphic": 1.59, "hebbian": 0.14}
MAX_LOAD = 2.5


class Runner:
    """Fits memories on demand, one per (rule, draw, number of patterns), cached on disk."""

    def __init__(self, args):
        self.args = args
        self.n = args.n_neurons
        self.results = {
            (r["rule"], r["draw"], r["m"]): r for r in _common.read_json_lines(
                args.out, lambda r: (r["n_neurons"], r["epochs"], r["flip"])
                == (self.n, args.epochs, args.flip))
        }

    def patterns(self, draw, m):
        rng = np.random.default_rng([self.args.seed, draw])
        return rng.choice([-1.0, 1.0], size=(int(MAX_LOAD * self.n), self.n))[:m]

    def result(self, rule, draw, m):
        """Dict with the fractions recalled from clean and noisy cues (and timing)."""
        key = (rule, draw, m)
        if key in self.results:
            return self.results[key]
        args = self.args
        patterns = self.patterns(draw, m)
        if rule == "hebbian":
            memory = HebbianAssociativeMemory(max_recall_steps=200)
        else:
            memory = InfomorphicAssociativeMemory(
                max_iter=args.epochs, tol=0.0, n_iter_no_change=args.epochs,
                max_recall_steps=200, random_state=draw, n_jobs=1,
            )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            memory.fit(patterns)
            seconds = time.perf_counter() - start
            clean = memory.score(patterns, threshold=THRESHOLD)
            cues = flip_bits(patterns, args.flip, np.random.RandomState([args.seed, draw, m]))
            noisy = memory.score(patterns, cues=cues, threshold=THRESHOLD)
        record = {
            "rule": rule, "draw": draw, "m": m, "n_neurons": self.n, "epochs": args.epochs,
            "flip": args.flip, "clean": clean, "noisy": noisy, "fit_seconds": seconds,
        }
        self.results[key] = record
        _common.append_json_line(args.out, record)
        return record

    def capacity(self, rule, draw, which):
        """Largest alpha up to which every tested load recalled every pattern."""
        n = self.n
        if rule == "hebbian":
            grid = list(range(1, n + 1))
        else:
            grid = sorted({max(1, int(round(a * n))) for a in COARSE})
        ok = 0
        for m in grid:
            if self.result(rule, draw, m)[which] < 1.0:
                fail = m
                break
            ok = m
        else:
            return ok / n, True  # no failure on the grid: a lower bound
        while fail - ok > 1:
            mid = (ok + fail) // 2
            if self.result(rule, draw, mid)[which] == 1.0:
                ok = mid
            else:
                fail = mid
        return ok / n, False


def spread(values):
    values = np.asarray(values, dtype=float)
    return (f"{values.mean():.2f} +- {values.std():.2f} "
            f"({values.min():.2f}-{values.max():.2f})")


def main():
    parser = _common.parser(__doc__, "memory_capacity", records=".jsonl")
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--n-neurons", type=int, default=100)
    parser.add_argument("--flip", type=float, default=0.1, help="fraction of flipped bits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="N = 50, 300 epochs, 2 draws")
    args = parser.parse_args()
    if args.quick:
        args.n_neurons, args.epochs, args.draws = 50, 300, 2
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    runner = Runner(args)
    n = args.n_neurons
    capacities, by_load = {}, []
    print(f"N = {n} neurons, {args.draws} draws of random +-1 patterns, infomorphic fits of "
          f"{args.epochs} epochs; recalled: cosine >= {THRESHOLD}; noisy cues: "
          f"{args.flip:.0%} of the bits flipped.", flush=True)
    total = time.perf_counter()

    print("\nCapacity (alpha = patterns / N, every pattern recalled up to it), over draws: "
          "mean +- std (min-max)")
    print(f"{'rule':<14}{'clean cue':>28}{'noisy cue':>28}{'published':>11}")
    for rule in ("hebbian", "infomorphic"):
        cells = []
        for which in ("clean", "noisy"):
            caps = [runner.capacity(rule, d, which) for d in range(args.draws)]
            capacities[f"{rule}_{which}"] = [
                {"capacity": c[0], "lower_bound_only": c[1]} for c in caps]
            bound = ">=" if any(c[1] for c in caps) else ""
            cells.append(bound + spread([c[0] for c in caps]))
            print(f"  {rule} {which}: per draw " + ", ".join(
                f"{'>=' if c[1] else ''}{c[0]:.2f}" for c in caps), flush=True)
        print(f"{rule:<14}{cells[0]:>28}{cells[1]:>28}{PUBLISHED[rule]:>11.2f}", flush=True)

    print("\nFraction of patterns recalled against load, over draws: mean (min-max), "
          "clean / noisy cue")
    print(f"{'alpha':>6}{'Hebbian clean':>20}{'Hebbian noisy':>20}"
          f"{'infomorphic clean':>20}{'infomorphic noisy':>20}{'s / fit':>9}")
    for a in (0.1, 0.2, 0.5, 1.0, 1.4, 1.5, 1.6, 1.7, 1.8):
        m = max(1, int(round(a * n)))
        line = f"{a:>6.1f}"
        for rule in ("hebbian", "infomorphic"):
            rows = [runner.result(rule, d, m) for d in range(args.draws)]
            for which in ("clean", "noisy"):
                v = np.array([r[which] for r in rows])
                line += f"{f'{v.mean():.2f} ({v.min():.2f}-{v.max():.2f})':>20}"
                by_load.append({"alpha": a, "rule": rule, "cue": which, "per_draw": v})
        line += f"{np.median([r['fit_seconds'] for r in rows]):>9.1f}"
        print(line, flush=True)
    total = time.perf_counter() - total
    print(f"\nTotal time: {total:.0f} s (fits cached in {args.out})")
    _common.write_results(_common.summary_path(args.out), "memory_capacity", args, {
        "capacity_per_draw": capacities, "recalled_by_load": by_load,
        "published": PUBLISHED, "total_seconds": total}, machine)


if __name__ == "__main__":
    main()
