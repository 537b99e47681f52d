"""Benchmark of the sparse batch I^sx PID kernel against a dense NumPy baseline.

For a mini-batch of B samples and N binary-output neurons with n = 2 or 3 sources
binned into K bins, the script times

* the sparse numba kernel, ``BatchPID(n).evaluate(bins, theta, K, gamma, gamma_h,
  want_grad=True)`` (atoms, H_res, goal and dG/dtheta; inputs in the (B, N, n)
  layout, transposed inside), and ``evaluate_sources_first`` (inputs already in
  the kernel's (N, n, B) layout, no transpose);
* a straightforward dense NumPy evaluation of the same quantities: the full table
  p[t, s1..sn] of every neuron (2 K^n cells), every I_cap from dense marginals and
  inclusion-exclusion, and the goal gradient over all cells from the formula of
  the I^sx measure (Makkeh, Gutknecht, Wibral, PRE 2021), gathered at the samples.

It checks that the two agree (max abs difference of atoms, goal and gradient),
and prints per (n, N): milliseconds per batch (median of repeats, after a warm-up
call that compiles or loads the numba cache), the dense/sparse ratio, the number
of numba threads, the peak NumPy memory of each path (tracemalloc) and the max
RSS of the process (resource.getrusage). The dense path runs on at most
``--dense-neurons`` neurons; for larger N its time is extrapolated linearly (each
neuron is an independent loop iteration), which the printout says.

Inputs are realistic for the trivariate network of the papers: dendritic
potentials drawn from N(0, sigma^2), binned into K = 20 equal bins on the fixed
range [-20, 20] (values clamped), and theta = P(Y=+1) from the activation of
the papers (Makkeh et al., PNAS 2025; Schneider et al., ICLR 2025; bivariate:
k1 = 0.9, k2 = 2; trivariate: c1 = c2 = 0.1, w1 = w2 = 2) applied to the same
potentials, clamped to [1e-6, 1 - 1e-6]. The goal weights are the published
optimised ones, so every antichain has a non-zero weight and every gradient term is
exercised.

Run::

    python benchmarks/bench_pid.py --repeats 7 --threads 2
"""

import os
import resource
import sys
import time
import tracemalloc

import numba
import numpy as np

from sklearn_infomorph.lattice import redundancy_lattice

import _common
from _common import BatchPID, OtherLoad, dense_i_cap

INV_LN2 = 1.0 / np.log(2.0)
RANGE = 20.0  # fixed binning range [-RANGE, RANGE] (trivariate hidden layer)

# Published optimised goal weights (Makkeh et al., PNAS 2025 for two sources;
# Schneider et al., ICLR 2025 for three), by atom name.
GAMMA_2 = {"{F}{C}": 0.7755, "{F}": 0.0379, "{C}": 0.3185, "{FC}": 0.1536}
GAMMA_H_2 = 0.0076
GAMMA_3 = {
    "{F}{C}{L}": 0.331, "{F}{C}": 0.978, "{F}{L}": -0.994, "{C}{L}": 0.402,
    "{F}{CL}": 0.243, "{C}{FL}": 0.626, "{L}{FC}": 0.471, "{F}": 0.021, "{C}": 0.061,
    "{L}": -0.947, "{FC}{FL}{CL}": -0.020, "{FC}{FL}": -0.968, "{FC}{CL}": -0.692,
    "{FL}{CL}": 0.427, "{FC}": 0.974, "{FL}": 0.737, "{CL}": -0.122, "{FCL}": -0.215,
}
GAMMA_H_3 = 0.035


# --------------------------------------------------------------------------- inputs


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_inputs(rng, n_samples, n_neurons, n_sources, n_bins, sigma):
    """Binned potentials (B, N, n) int64 and theta (B, N) float64."""
    pot = rng.normal(0.0, sigma, size=(n_samples, n_neurons, n_sources))
    f = pot[..., 0]
    if n_sources == 2:
        k1, k2 = 0.9, 2.0
        s = pot[..., 1]
        arg = f * (k1 + (1.0 - k1) * 2.0 * sigmoid(k2 * f * s))
    else:
        c1 = c2 = 0.1
        w1 = w2 = 2.0
        c, lat = pot[..., 1], pot[..., 2]
        arg = f * ((1 - c1 - c2) + c1 * sigmoid(w1 * f * c) + c2 * sigmoid(w2 * f * lat))
    theta = np.clip(sigmoid(arg), 1e-6, 1.0 - 1e-6)
    bins = np.floor((pot + RANGE) / (2 * RANGE) * n_bins).astype(np.int64)
    np.clip(bins, 0, n_bins - 1, out=bins)
    return bins, theta


def goal_weights(n_sources):
    """Atom weights in lattice order and the H_res weight."""
    lattice = redundancy_lattice(n_sources, "FC" if n_sources == 2 else "FCL")
    table, gamma_h = (GAMMA_2, GAMMA_H_2) if n_sources == 2 else (GAMMA_3, GAMMA_H_3)
    gamma = np.zeros(len(lattice))
    for name, value in table.items():
        gamma[lattice.index(name)] = value
    return gamma, gamma_h


# --------------------------------------------------------------------- dense baseline


def dense_table(bins_j, theta_j, n_bins):
    """Dense p[t, s1..sn] of one neuron; t index 0 is Y=+1, 1 is Y=-1."""
    n_samples, n_sources = bins_j.shape
    flat = np.ravel_multi_index(tuple(bins_j.T), (n_bins,) * n_sources)
    size = n_bins**n_sources
    p = np.empty((2, size))
    p[0] = np.bincount(flat, weights=theta_j, minlength=size)
    p[1] = np.bincount(flat, weights=1.0 - theta_j, minlength=size)
    p /= n_samples
    return p.reshape((2,) + (n_bins,) * n_sources), flat


def dense_neuron(p, terms, w, gamma_h):
    """I_cap of every antichain, H(T) and g = dG/dP over all cells, densely.

    dI_cap(alpha)/dP(t', s') = log2 f_alpha(t', s')
        + (1/ln 2) (sum_{s in W_alpha(s')} Q_alpha(t', s) - 1),
    Q_alpha = P(t, s) / P(t, W_alpha(s)); the union sum is inclusion-exclusion over
    marginal sums of Q. dH(T)/dP(t', s') = -log2 P(t') - 1/ln 2.
    """
    n = p.ndim - 1
    ptr, masks, coefs, _ = terms
    src_axes = tuple(range(1, n + 1))
    drop = {}
    joint, source = {}, {}
    for m in range(1, 1 << n):
        drop[m] = tuple(i + 1 for i in range(n) if not m >> i & 1)
        joint[m] = p.sum(axis=drop[m], keepdims=True) if drop[m] else p
        source[m] = joint[m].sum(axis=0, keepdims=True)
    p_t = p.sum(axis=src_axes, keepdims=True)
    occupied = p > 0
    p_occ = p[occupied]
    n_atoms = len(ptr) - 1
    i_cap = np.empty(n_atoms)
    g = np.zeros(p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(n_atoms):
            p_w = 0.0
            p_tw = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                p_w = p_w + coefs[k] * source[masks[k]]
                p_tw = p_tw + coefs[k] * joint[masks[k]]
            p_tw = np.broadcast_to(p_tw, p.shape)
            log_f = np.log2(p_tw / (p_t * p_w))
            i_cap[a] = np.sum(p_occ * log_f[occupied])
            if w[a] == 0.0:
                continue
            q = np.where(occupied, p / p_tw, 0.0)
            union_sum = 0.0
            for k in range(ptr[a], ptr[a + 1]):
                m = masks[k]
                union_sum = union_sum + coefs[k] * (
                    q.sum(axis=drop[m], keepdims=True) if drop[m] else q
                )
            g += w[a] * (log_f + (union_sum - 1.0) * INV_LN2)
        g += gamma_h * (-np.log2(p_t) - INV_LN2)
    pt = p_t.ravel()
    pt = pt[pt > 0]
    h_t = -np.sum(pt * np.log2(pt))
    return i_cap, h_t, g


def dense_batch(bins, theta, n_bins, neurons, terms, w, gamma_h):
    """Dense I_cap, H(T) and dG/dtheta for the given neurons (one at a time)."""
    n_samples = bins.shape[0]
    n_atoms = len(terms[0]) - 1
    i_cap = np.empty((len(neurons), n_atoms))
    h_t = np.empty(len(neurons))
    grad = np.empty((n_samples, len(neurons)))
    for col, j in enumerate(neurons):
        p, flat = dense_table(bins[:, j, :], theta[:, j], n_bins)
        i_cap[col], h_t[col], g = dense_neuron(p, terms, w, gamma_h)
        g = g.reshape(2, -1)
        grad[:, col] = (g[0, flat] - g[1, flat]) / n_samples
    return i_cap, h_t, grad


# ------------------------------------------------------------------------- measuring


BUSY = 0.25  # CPUs used by other processes above which timings are flagged


def load_note(cpus):
    if cpus is None:
        return ""
    warn = "  WARNING: machine not idle, timings disturbed" if cpus > BUSY else ""
    return f"  [other processes: {cpus:.2f} CPUs busy]{warn}"


def traced_peak(fn):
    """Peak bytes allocated through NumPy/Python while ``fn`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, result


def max_rss_mib():
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def kernel_scratch_bytes(n_samples, n_bins, n_sources, n_neurons, n_atoms, threads):
    """Bytes the numba kernel allocates itself (not visible to tracemalloc)."""
    n_masks = (1 << n_sources) - 1
    per_thread = 8 * (n_samples * n_bins + 7 * n_masks * n_samples + 4 * n_samples + n_masks)
    outputs = 8 * n_neurons * (n_atoms + 1 + n_samples)
    return per_thread * min(threads, n_neurons), outputs


def mib(n_bytes):
    return n_bytes / (1024 * 1024)


def fmt_ms(times):
    ms = np.array(times) * 1e3
    return f"{np.median(ms):9.2f} ms  (min {ms.min():.2f}, max {ms.max():.2f}, {len(ms)} runs)"


# ------------------------------------------------------------------------------ main


def run_case(n_sources, n_neurons, args, rng):
    B, K = args.batch, args.bins
    bins, theta = make_inputs(rng, B, n_neurons, n_sources, K, args.sigma)
    bins_t = np.ascontiguousarray(np.transpose(bins, (1, 2, 0)))
    theta_t = np.ascontiguousarray(theta.T)
    bpid = BatchPID(n_sources)
    gamma, gamma_h = goal_weights(n_sources)
    n_atoms = len(bpid.lattice)
    threads = numba.get_num_threads()

    print(f"\n=== n = {n_sources} sources, N = {n_neurons} neurons, B = {B}, K = {K} "
          f"({2 * K**n_sources} dense cells per neuron, {n_atoms} atoms) ===")
    cells = (bins_t * (K ** np.arange(n_sources))[None, :, None]).sum(axis=1)
    occupied = np.mean([len(np.unique(c)) for c in cells[: min(n_neurons, 50)]])
    print(f"  occupied source cells per neuron: {occupied:.0f} of {K**n_sources} "
          f"(B = {B} samples)")

    # ---- sparse
    t0 = time.perf_counter()
    sparse = bpid.evaluate(bins, theta, K, gamma, gamma_h, want_grad=True)
    bpid.evaluate_sources_first(bins_t, theta_t, K, gamma, gamma_h, want_grad=True)
    print(f"  warm-up (compile or load numba cache): {time.perf_counter() - t0:.2f} s")
    load = OtherLoad()
    t_eval = _common.time_runs(
        lambda: bpid.evaluate(bins, theta, K, gamma, gamma_h, want_grad=True), args.repeats
    )
    t_first = _common.time_runs(
        lambda: bpid.evaluate_sources_first(bins_t, theta_t, K, gamma, gamma_h, want_grad=True),
        args.repeats,
    )
    sparse_load = load.cpus()
    sparse_note = load_note(sparse_load)
    mem_sparse, _ = traced_peak(
        lambda: bpid.evaluate(bins, theta, K, gamma, gamma_h, want_grad=True)
    )
    mem_first, _ = traced_peak(
        lambda: bpid.evaluate_sources_first(bins_t, theta_t, K, gamma, gamma_h, want_grad=True)
    )
    scratch, outputs = kernel_scratch_bytes(B, K, n_sources, n_neurons, n_atoms, threads)

    # ---- dense (on a subset of neurons when N is large)
    n_dense = min(n_neurons, args.dense_neurons)
    subset = np.arange(n_dense)
    scale = n_neurons / n_dense
    terms = bpid.lattice.inclusion_exclusion_terms()
    w = bpid.icap_weights(gamma, gamma_h)

    def dense():
        return dense_batch(bins, theta, K, subset, terms, w, gamma_h)

    dense_out = dense()  # warm-up
    load = OtherLoad()
    t_dense_subset = _common.time_runs(dense, args.dense_repeats)
    dense_note = load_note(load.cpus())
    mem_dense, _ = traced_peak(dense)
    t_dense = [t * scale for t in t_dense_subset]

    # ---- agreement
    i_cap_d, h_t_d, grad_d = dense_out
    atoms_d = i_cap_d @ bpid.moebius.T
    goal_d = i_cap_d @ w + gamma_h * h_t_d
    h_res_d = h_t_d - i_cap_d[:, bpid.lattice.top]
    atoms_s, h_res_s, goal_s, grad_s = sparse
    d_atoms = np.max(np.abs(atoms_s[subset] - atoms_d))
    d_hres = np.max(np.abs(h_res_s[subset] - h_res_d))
    d_goal = np.max(np.abs(goal_s[subset] - goal_d))
    d_grad = np.max(np.abs(grad_s[:, subset] - grad_d))
    ref_i_cap, ref_h = dense_i_cap(dense_table(bins[:, 0, :], theta[:, 0], K)[0], bpid.lattice)
    d_ref = max(np.max(np.abs(ref_i_cap - i_cap_d[0])), abs(ref_h - h_t_d[0]))
    atoms_first, _, _, grad_first = bpid.evaluate_sources_first(
        bins_t, theta_t, K, gamma, gamma_h, want_grad=True
    )
    d_layouts = max(np.max(np.abs(atoms_first - atoms_s)), np.max(np.abs(grad_first.T - grad_s)))
    ok = (d_atoms < 1e-9 and d_hres < 1e-9 and d_goal < 1e-9
          and d_grad < 1e-9 * max(1.0, np.max(np.abs(grad_d))) and d_ref < 1e-12
          and d_layouts == 0.0)

    sparse_ms = np.median(t_eval) * 1e3
    first_ms = np.median(t_first) * 1e3
    dense_ms = np.median(t_dense) * 1e3
    print(f"  sparse evaluate (B,N,n input):       {fmt_ms(t_eval)}{sparse_note}")
    print(f"  sparse evaluate_sources_first:       {fmt_ms(t_first)}")
    print(f"    per neuron: evaluate {sparse_ms / n_neurons * 1e3:.1f} us, "
          f"sources_first {first_ms / n_neurons * 1e3:.1f} us; numba threads: {threads}")
    if n_dense < n_neurons:
        print(f"  dense NumPy (EXTRAPOLATED: measured on {n_dense} of {n_neurons} neurons, "
              f"time x {scale:g}):")
    else:
        print(f"  dense NumPy (all {n_neurons} neurons, measured):")
    print(f"                                       {fmt_ms(t_dense)}"
          f"{dense_note}")
    print(f"    per neuron: {dense_ms / n_neurons * 1e3:.1f} us (single thread, "
          "one neuron at a time)")
    print(f"  ratio dense / sparse: evaluate {dense_ms / sparse_ms:.1f}x, "
          f"sources_first {dense_ms / first_ms:.1f}x")
    print(f"  peak NumPy memory (tracemalloc): sparse evaluate {mib(mem_sparse):.2f} MiB, "
          f"sources_first {mib(mem_first):.2f} MiB, dense ({n_dense} neurons) "
          f"{mib(mem_dense):.2f} MiB")
    print(f"    numba kernel arrays, not seen by tracemalloc (computed): scratch "
          f"{mib(scratch):.2f} MiB ({threads} thread(s)), outputs {mib(outputs):.2f} MiB")
    print(f"  max RSS of the process so far: {max_rss_mib():.0f} MiB")
    print(f"  agreement dense vs sparse on {n_dense} neurons: max|d atoms| = {d_atoms:.2e} "
          f"bits, max|d H_res| = {d_hres:.2e}, max|d goal| = {d_goal:.2e}, "
          f"max|d grad| = {d_grad:.2e} (max|grad| = {np.max(np.abs(grad_d)):.2e})")
    print(f"    dense I_cap vs sklearn_infomorph.pid._dense_i_cap (neuron 0): {d_ref:.2e}; "
          f"evaluate vs evaluate_sources_first: {d_layouts:.2e}  -> "
          f"{'OK' if ok else 'MISMATCH'}")
    return {
        "n": n_sources, "N": n_neurons, "sparse_ms": sparse_ms, "first_ms": first_ms,
        "dense_ms": dense_ms, "dense_extrapolated": n_dense < n_neurons, "ok": ok,
        "mem_sparse": mem_sparse, "mem_dense": mem_dense, "load": sparse_load,
    }


def main(argv=None):
    parser = _common.parser(__doc__, "bench_pid")
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed calls of the sparse kernel per case (median reported)")
    parser.add_argument("--threads", type=int, default=None,
                        help="numba threads (numba.set_num_threads); default: numba's default")
    parser.add_argument("--dense-repeats", type=int, default=3,
                        help="timed calls of the dense baseline per case")
    parser.add_argument("--dense-neurons", type=int, default=100,
                        help="at most this many neurons go through the dense baseline; "
                             "for larger N its time is extrapolated linearly")
    parser.add_argument("--neurons", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--sources", type=int, nargs="+", default=[2, 3], choices=[2, 3])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--bins", type=int, default=20)
    parser.add_argument("--sigma", type=float, default=5.0,
                        help="std of the dendritic potentials (binned on [-20, 20])")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.dense_repeats < 1 or args.dense_neurons < 1:
        parser.error("--repeats, --dense-repeats and --dense-neurons must be >= 1")

    if args.threads is not None:
        limit = numba.config.NUMBA_NUM_THREADS
        if not 1 <= args.threads <= limit:
            parser.error(f"--threads must be in [1, {limit}] (NUMBA_NUM_THREADS = {limit})")
        numba.set_num_threads(args.threads)
    threads = numba.get_num_threads()
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        n_cpus = os.cpu_count()

    machine = _common.machine_info()
    print("bench_pid: sparse numba I^sx PID kernel vs dense NumPy baseline")
    print(_common.machine_line(machine))
    print(f"CPUs available: {n_cpus}; numba threads: {threads} "
          f"(NUMBA_NUM_THREADS = {numba.config.NUMBA_NUM_THREADS})")
    print(f"B = {args.batch}, K = {args.bins}, potentials ~ N(0, {args.sigma:g}^2) binned on "
          f"[-{RANGE:g}, {RANGE:g}]; repeats: sparse {args.repeats}, dense "
          f"{args.dense_repeats}; times are per batch (all N neurons), median")

    load = OtherLoad()
    time.sleep(1.0)
    print(f"before the run: {load_note(load.cpus()).strip() or 'other load unknown'}")

    rng = np.random.default_rng(args.seed)
    results = [run_case(n, N, args, rng) for n in args.sources for N in args.neurons]
    print(f"numba threading layer: {numba.threading_layer()}")

    print("\n=== summary (ms per batch, median; numba threads = "
          f"{threads}) ===")
    print(f"{'n':>2} {'N':>6} {'sparse eval':>12} {'src_first':>10} {'dense':>12} "
          f"{'dense/sparse':>12} {'us/neuron':>10} {'agree':>6}")
    for r in results:
        dense = f"{r['dense_ms']:.1f}{'*' if r['dense_extrapolated'] else ''}"
        print(f"{r['n']:>2} {r['N']:>6} {r['sparse_ms']:>12.2f} {r['first_ms']:>10.2f} "
              f"{dense:>12} {r['dense_ms'] / r['sparse_ms']:>11.1f}x "
              f"{r['sparse_ms'] / r['N'] * 1e3:>10.1f} {'OK' if r['ok'] else 'NO':>6}")
    if any(r["dense_extrapolated"] for r in results):
        print(f"  * dense time extrapolated linearly from {args.dense_neurons} neurons")
    print(f"max RSS of the process: {max_rss_mib():.0f} MiB")

    by_key = {(r["n"], r["N"]): r for r in results}
    if (3, 100) in by_key:
        ms = by_key[3, 100]["sparse_ms"]
        verdict = "MET" if ms <= 20.0 else "NOT MET"
        note = "" if threads == 2 else f" (measured with {threads} thread(s), target is for 2)"
        busy = by_key[3, 100]["load"]
        if busy is not None and busy > BUSY:
            note += (f" (NOT a valid measurement: other processes kept {busy:.2f} CPUs "
                     "busy during the timing)")
        print(f"target n = 3, N = 100 <= 20 ms per batch on 2 cores: {ms:.2f} ms -> "
              f"{verdict}{note}")
    for n in args.sources:
        sizes = sorted(N for (m, N) in by_key if m == n)
        if len(sizes) >= 2:
            lo, hi = by_key[n, sizes[0]], by_key[n, sizes[-1]]
            per_lo = lo["sparse_ms"] / lo["N"] * 1e3
            per_hi = hi["sparse_ms"] / hi["N"] * 1e3
            print(f"linear scaling, n = {n}: {per_lo:.1f} us/neuron at N = {lo['N']}, "
                  f"{per_hi:.1f} us/neuron at N = {hi['N']} (ratio {per_hi / per_lo:.2f}; "
                  "1 = perfectly linear)")
    _common.write_results(args.out, "bench_pid", args, {
        "threads": threads, "threading_layer": numba.threading_layer(), "cases": results,
        "max_rss_mib": max_rss_mib()}, machine)
    if not all(r["ok"] for r in results):
        print("ERROR: dense and sparse results disagree")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
