"""Capacity of the infomorphic associative memory by the authors' protocol, against the
Hebbian rule, over draws; and the noisy cues each memory still completes.

Protocol of Blümel et al., "Redundancy maximization as a principle of associative
memory learning" (arXiv 2511.02584), as coded in the authors' published code
(Priesemann-Group/Infomorphic_Networks, folder paper_hopfield: src/training.py,
conf/mods/capacity/exact.yaml, conf/basic_config.yaml):

- N = 100 neurons, random +-1 patterns (each bit +-1 with probability 1/2); the load
  alpha is patterns / N.
- Recall score of a load: the MEAN cosine similarity over all stored patterns between
  each pattern and the state recalled from it (external input 0, synchronous sign
  updates to a fixed point or a 2-cycle, at most N steps). A load is stored when the
  score is >= 0.95.
- Sweep of one draw: loads 0.20, 0.22, 0.24, ... (m = 20, 22, ... patterns), new
  patterns and a new network at each load, stopping at the first load not stored; the
  draw's capacity is the last load stored (0 if none). The published figure is the
  mean over 20 draws: 1.59 with the redundancy goal, 1.69 with the optimised goal,
  0.14 for the Hebbian rule.
- Training: InfomorphicAssociativeMemory's defaults, which are the authors' (external
  weight 2.3 fixed, recurrent weights initialised at 0.001 x the default scale, no
  biases or self connections, 2 x 60 bins on [-20, 20], Adam lr 0.05 on the full
  batch, up to 5000 epochs, stopping once the score reaches 0.95 at 15 log-spaced
  checks).
- The Hebbian rule by the same criterion, its sweep in steps of one pattern from
  m = 1 (its capacity lies below the infomorphic sweep's first load).

Noisy cues (no published figure): for each memory at the loads of ``--noise-loads``,
the largest number of flipped bits k (exactly k per cue, at random, as the authors'
noisy cues) for which the mean cosine similarity is still >= 0.95, scanning k = 1, 2,
... up to the first failure.

Every fit's result goes to ``--out`` (JSON lines) as it finishes; a rerun with the
same file skips the fits already done (resumable; run it in the background). The
tables and the machine go to a JSON summary beside ``--out``.

Usage::

    python benchmarks/memory_capacity.py --out memory.jsonl           # 20 draws
    python benchmarks/memory_capacity.py --draws 3                    # a first look
    python benchmarks/memory_capacity.py --quick                      # N = 30, 2 draws
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_infomorph import Goal, HebbianAssociativeMemory, InfomorphicAssociativeMemory

import _common

THRESHOLD = 0.95
#: Rule name -> published mean capacity (patterns per neuron).
PUBLISHED = {"hebbian": 0.14, "redundancy": 1.59, "memory_optimised": 1.69}
GOALS = {"redundancy": Goal(red=1.0), "memory_optimised": Goal.preset("memory_optimised")}
PROTOCOL = "authors-v1"  # records of other protocols in --out are ignored


# -- the sweep logic (no fitting here: testable on its own) --------------------------------
def sweep(stored, grid):
    """Last m of ``grid`` (ascending) before the first one with ``stored(m)`` False.

    Returns ``(m_last, m_failed)``: m_last is 0 when the first load fails, m_failed
    None when no load of the grid failed (then m_last is only a lower bound).
    """
    last = 0
    for m in grid:
        if not stored(m):
            return last, m
        last = m
    return last, None


def largest_flip(score_with_flips, n_features, threshold=THRESHOLD):
    """Largest k in 0..n_features // 2 whose ``score_with_flips(k)`` is >= threshold,
    scanning upward to the first failure (-1 if k = 0 already fails)."""
    last = -1
    for k in range(n_features // 2 + 1):
        if score_with_flips(k) < threshold:
            break
        last = k
    return last


def flip_exactly(patterns, k, rng):
    """Copy of +-1 ``patterns`` with exactly k bits flipped per row, chosen at random."""
    cues = np.array(patterns, dtype=np.float64)
    for row in cues:
        idx = rng.choice(cues.shape[1], k, replace=False)
        row[idx] = -row[idx]
    return cues


def load_grid(n, start, step, stop):
    """Numbers of patterns of the sweep: ceil(start N), + ceil(step N), ... <= stop N."""
    first, inc = int(np.ceil(start * n - 1e-9)), max(1, int(np.ceil(step * n - 1e-9)))
    return list(range(max(1, first), int(np.floor(stop * n + 1e-9)) + 1, inc))


# -- fits -----------------------------------------------------------------------------------
class Runner:
    """Fits memories on demand, one per (rule, draw, number of patterns), cached on disk."""

    def __init__(self, args):
        self.args = args
        self.n = args.n_neurons
        keep = lambda r: (r.get("protocol"), r["n_neurons"], r["max_iter"], r["seed"],  # noqa: E731
                          r.get("n_bins", 60), r.get("bin_range", 20.0)) == (
            PROTOCOL, self.n, args.max_iter, args.seed, args.n_bins, args.bin_range)
        self.results = {(r["rule"], r["draw"], r["m"]): r
                        for r in _common.read_json_lines(args.out, keep)}

    def patterns(self, draw, m):
        """The patterns of load m in draw ``draw`` (the same for every rule)."""
        rng = np.random.default_rng([self.args.seed, draw, m])
        return rng.choice([-1.0, 1.0], size=(m, self.n)), int(rng.integers(2**31 - 1))

    def result(self, rule, draw, m):
        """Dict: the recall score from clean patterns, epochs, noise tolerance, time."""
        key = (rule, draw, m)
        if key in self.results:
            return self.results[key]
        args = self.args
        patterns, seed = self.patterns(draw, m)
        if rule == "hebbian":
            memory = HebbianAssociativeMemory(max_recall_steps=self.n)
        else:
            memory = InfomorphicAssociativeMemory(
                GOALS[rule], max_iter=args.max_iter, max_recall_steps=self.n,
                n_bins=args.n_bins, bin_range=args.bin_range, random_state=seed, n_jobs=1,
            )
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            memory.fit(patterns)
            seconds = time.perf_counter() - start
            score = memory.score(patterns)
            noise_rng = np.random.default_rng([args.seed, draw, m, 1])
            flips = largest_flip(
                lambda k: memory.score(patterns, cues=flip_exactly(patterns, k, noise_rng)),
                self.n,
            )
        record = {
            "protocol": PROTOCOL, "rule": rule, "draw": draw, "m": m, "n_neurons": self.n,
            "max_iter": args.max_iter, "seed": args.seed, "n_bins": args.n_bins,
            "bin_range": args.bin_range, "score": score,
            "stored": score >= THRESHOLD, "epochs": int(getattr(memory, "n_iter_", 0)),
            "largest_flip": flips, "fit_seconds": seconds,
        }
        self.results[key] = record
        _common.append_json_line(args.out, record)
        return record

    def capacity(self, rule, draw):
        """(capacity, lower_bound_only) of one draw by the authors' sweep."""
        a = self.args
        grid = (load_grid(self.n, 1.0 / self.n, 1.0 / self.n, a.stop) if rule == "hebbian"
                else load_grid(self.n, a.start, a.step, a.stop))
        last, failed = sweep(lambda m: self.result(rule, draw, m)["stored"], grid)
        return last / self.n, failed is None


def spread(values):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} +- {values.std():.3f}"


def main():
    parser = _common.parser(__doc__, "memory_capacity", records=".jsonl")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--n-neurons", type=int, default=100)
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--rules", default="redundancy,memory_optimised,hebbian",
                        help="comma-separated, of: " + ", ".join(PUBLISHED))
    parser.add_argument("--start", type=float, default=0.2, help="first load of the sweep")
    parser.add_argument("--step", type=float, default=0.02, help="load step of the sweep")
    parser.add_argument("--stop", type=float, default=2.0, help="last load of the sweep")
    parser.add_argument("--noise-loads", default="0.05,0.1,0.15,0.2,0.4,0.6,0.8,1.0,1.2,1.4,1.5",
                        help="loads of the noisy-cue table ('' for none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-bins", type=int, default=60,
                        help="bins of the recurrent field (the authors' main setting: 60)")
    parser.add_argument("--bin-range", type=float, default=20.0,
                        help="the recurrent field's bins cover [-bin_range, bin_range]")
    parser.add_argument("--quick", action="store_true",
                        help="N = 30, 2 draws, 500 epochs, load step 0.1")
    args = parser.parse_args()
    if args.quick:
        args.n_neurons, args.draws, args.max_iter, args.step = 30, 2, 500, 0.1
    rules = [r for r in args.rules.split(",") if r]
    unknown = set(rules) - set(PUBLISHED)
    if unknown:
        parser.error(f"unknown rule(s) {sorted(unknown)}; choose from {list(PUBLISHED)}")
    noise_loads = [float(a) for a in args.noise_loads.split(",") if a]
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    runner = Runner(args)
    n = args.n_neurons
    print(f"N = {n}, {args.draws} draws, up to {args.max_iter} epochs, recurrent field in "
          f"{args.n_bins} bins on [-{args.bin_range:g}, {args.bin_range:g}]; stored: mean cosine "
          f">= {THRESHOLD} from the clean patterns; infomorphic sweep from {args.start} in "
          f"steps of {args.step}, Hebbian in steps of 1 / N; stop at the first failure.",
          flush=True)
    total = time.perf_counter()
    capacities = {rule: [] for rule in rules}
    for draw in range(args.draws):  # draw by draw, so that a partial run covers every rule
        for rule in rules:
            capacities[rule].append(runner.capacity(rule, draw))
        print(f"draw {draw}: " + ", ".join(
            f"{rule} {capacities[rule][-1][0]:.2f}" for rule in rules), flush=True)
    noisy = {}
    for a in noise_loads:
        m = max(1, int(round(a * n)))
        for rule in rules:
            noisy[(rule, a)] = [runner.result(rule, d, m) for d in range(args.draws)]
    total = time.perf_counter() - total

    print(f"\nCapacity (patterns per neuron), mean +- std over {args.draws} draws")
    print(f"{'rule':<18}{'capacity':>16}{'published':>11}   per draw")
    for rule in rules:
        caps = [c for c, _ in capacities[rule]]
        bound = ">=" if any(b for _, b in capacities[rule]) else ""
        print(f"{rule:<18}{bound + spread(caps):>16}{PUBLISHED[rule]:>11.2f}   "
              + " ".join(f"{c:.2f}" for c in caps), flush=True)
    epochs = {rule: [r["epochs"] for k, r in runner.results.items() if k[0] == rule]
              for rule in rules if rule != "hebbian"}
    for rule, e in epochs.items():
        if e:
            print(f"  {rule}: median {np.median(e):.0f} epochs per fit, "
                  f"{np.mean(np.array(e) >= args.max_iter):.0%} of fits ran to max_iter")

    if noise_loads:
        print("\nNoisy cues: largest share of flipped bits still recalled (mean cosine >= "
              f"{THRESHOLD}), mean over the draws whose load is stored (stored / draws)")
        print(f"{'load':>6}" + "".join(f"{rule:>24}" for rule in rules))
        for a in noise_loads:
            line = f"{a:>6.2f}"
            for rule in rules:
                flips = np.array([r["largest_flip"] for r in noisy[(rule, a)]], dtype=float)
                ok = flips >= 0
                cell = (f"{np.mean(flips[ok]) / n:.3f} ({ok.sum()}/{len(ok)})" if ok.any()
                        else f"not stored (0/{len(ok)})")
                line += f"{cell:>24}"
            print(line, flush=True)
    print(f"\nTotal time: {total:.0f} s (fits cached in {args.out})")
    _common.write_results(_common.summary_path(args.out), "memory_capacity", args, {
        "capacity": {rule: {"mean": float(np.mean([c for c, _ in capacities[rule]])),
                            "std": float(np.std([c for c, _ in capacities[rule]])),
                            "per_draw": [c for c, _ in capacities[rule]],
                            "lower_bound_only": [b for _, b in capacities[rule]]}
                     for rule in rules},
        "noisy_cues": [{"load": a, "rule": rule,
                        "largest_flip_fraction": [r["largest_flip"] / n for r in rows]}
                       for (rule, a), rows in noisy.items()],
        "published": PUBLISHED, "total_seconds": total}, machine)


if __name__ == "__main__":
    main()
