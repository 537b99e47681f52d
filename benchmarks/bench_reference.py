"""Side by side with the authors' PyTorch code: one training epoch of each, same data.

Usage::

    python benchmarks/bench_reference.py --data DIR --repo PATH [--torch-python PY]
    python benchmarks/bench_reference.py --data DIR --repo PATH --quick   # 3 batches each

``--repo`` is a checkout of the authors' repository (Priesemann-Group/Infomorphic_Networks
on GitHub); ``--torch-python`` an interpreter that has PyTorch (CPU build), scikit-learn
and matplotlib (their package imports both), by default this one. PyTorch is not a
dependency of sklearn-infomorph: a separate virtual environment keeps it apart, e.g.::

    python -m venv venv-torch
    venv-torch/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    venv-torch/bin/pip install scikit-learn matplotlib

Without the repository or PyTorch the script says what is missing, writes that to the
JSON (``results["status"]``) and exits with 0.

Both sides train on the papers' split (the first 48,000 MNIST training images,
z-scored with their global mean and std, loaded by the package's loader) in the same
shuffled order, with batch 1024 and the same number of threads, N hidden neurons
(100) and a readout of 10:

* F+C (context heuristic: the hidden goal is the redundancy alone), with adaptive
  hidden bins like the authors' configuration for two-source layers;
* F+C+L (trivariate optimised goal, every other neuron as lateral partner, two
  recurrent steps), fixed bins on [-20, 20].

Ours is the network an ``InfomorphicClassifier`` trains, fed batch by batch as
``bench_epoch.py`` does (row gather included); theirs is their layer class driven as
their training loop drives it (``_reference_child.py``, run by ``--torch-python`` in a
subprocess; tensor conversion included). Each side gets one untimed warm-up batch
(ours: also the compilation). The ratio is their epoch over ours. Time on an idle
machine: the load average is printed and written to the JSON.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sklearn_infomorph import Goal

import _common
from _common import N_CLASSES, limit_threads

CHILD = Path(__file__).resolve().parent / "_reference_child.py"
#: setup -> (label, our sources, our goal preset, our binning)
SETUPS = {
    "FC": ("F+C (context heuristic)", "FC", "context_heuristic", "adaptive"),
    "FCL": ("F+C+L (trivariate optimised)", "FCL", "trivariate_optimised", "fixed"),
}


def missing(args):
    """Why the authors' side cannot run (a sentence), or None."""
    if not args.repo:
        return ("no --repo given: pass a checkout of the authors' repository "
                "(Priesemann-Group/Infomorphic_Networks)")
    repo = Path(args.repo)
    if not (repo / "im_net" / "im_model.py").is_file():
        return f"--repo {args.repo} is not a checkout of the authors' repository (no im_net/)"
    try:
        probe = subprocess.run([args.torch_python, "-c", "import torch, sklearn, matplotlib"],
                               capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"--torch-python {args.torch_python} cannot be run ({exc})"
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return (f"{args.torch_python} cannot import torch, scikit-learn and matplotlib "
                f"({last}); install PyTorch (CPU) in a separate environment and pass its "
                f"interpreter as --torch-python")
    return None


def goals(preset):
    return {"hidden": Goal.preset(preset).get_params(),
            "readout": Goal.preset("readout").get_params()}


def authors_epoch(args, setup, arrays_path, n_batches):
    """The child's JSON record: the authors' epoch seconds (extrapolated if n_batches)."""
    command = [args.torch_python, str(CHILD), "--repo", os.path.abspath(args.repo),
               "--arrays", arrays_path, "--setup", setup, "--hidden", str(args.hidden),
               "--batch", str(args.batch), "--batches", str(n_batches),
               "--threads", str(args.threads), "--goals", json.dumps(goals(SETUPS[setup][2]))]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"the authors' side failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def our_epoch(args, setup, X, y, order, n_batches):
    """Seconds of our epoch on the same batches (extrapolated if n_batches), and the
    seconds of the warm-up batch (compilation included)."""
    from sklearn_infomorph import InfomorphicClassifier

    _, sources, preset, binning = SETUPS[setup]
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(args.hidden,), sources=sources, goal=preset, binning=binning,
        batch_size=args.batch, random_state=0, n_jobs=args.threads,
    )
    net = _common.training_network(clf, X, y)
    onehot = np.eye(N_CLASSES, dtype=np.float32)[y]
    batches = [order[lo:lo + args.batch] for lo in range(0, len(order), args.batch)]
    timed = batches[:n_batches] if n_batches else batches
    rng = np.random.default_rng(0)
    with limit_threads(args.threads):
        start = time.perf_counter()
        net.train_batch(X[batches[0]], onehot[batches[0]], rng)  # compile / warm up
        warm_up = time.perf_counter() - start
        start = time.perf_counter()
        for idx in timed:
            net.train_batch(X[idx], onehot[idx], rng)
        seconds = time.perf_counter() - start
    return seconds * len(batches) / len(timed), warm_up


def main():
    parser = _common.parser(__doc__, "bench_reference", data=True)
    parser.add_argument("--repo", default=os.environ.get("INFOMORPHIC_NETWORKS_REPO"),
                        help="checkout of the authors' repository (default: "
                             "$INFOMORPHIC_NETWORKS_REPO)")
    parser.add_argument("--torch-python", default=sys.executable,
                        help="interpreter with PyTorch for the authors' side "
                             "(default: this one)")
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--setups", default="FC,FCL", help="comma-separated: FC, FCL")
    parser.add_argument("--batches", type=int, default=0,
                        help="time the first this many batches of the epoch and "
                             "extrapolate (default 0: the whole epoch)")
    parser.add_argument("--quick", action="store_true", help="--batches 3")
    args = parser.parse_args()
    n_batches = 3 if args.quick and not args.batches else args.batches
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    reason = missing(args)
    if reason is not None:
        print(f"skipped: {reason}")
        _common.write_results(args.out, "bench_reference", args,
                              {"status": f"skipped: {reason}"}, machine)
        return
    split = _common.papers_split(args.data)
    X, y = split["train"]
    X = np.ascontiguousarray(X, dtype=np.float32)
    order = np.random.default_rng(0).permutation(len(y))
    note = f", first {n_batches} batches extrapolated" if n_batches else ""
    print(f"MNIST papers' split: {len(y)} training images, batch {args.batch}, N = "
          f"{args.hidden} + {N_CLASSES} readout, {args.threads} thread(s) each{note}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        arrays_path = os.path.join(tmp, "arrays.npz")
        np.savez(arrays_path, X=X, y=y, order=order)
        for setup in args.setups.split(","):
            ours, warm_up = our_epoch(args, setup, X, y, order, n_batches)
            theirs = authors_epoch(args, setup, arrays_path, n_batches)
            rows.append({"setup": setup, "label": SETUPS[setup][0], "ours_epoch_seconds": ours,
                         "ours_warm_up_seconds": warm_up,
                         "authors_epoch_seconds": theirs["epoch_seconds"],
                         "authors_warm_up_seconds": theirs["warm_up_seconds"],
                         "ratio": theirs["epoch_seconds"] / ours, "torch": theirs["torch"],
                         "batches_timed": theirs["batches_timed"],
                         "load_average": _common.load_average()})
    print()
    print("| setup | ours s / epoch | authors' s / epoch | authors / ours |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['label']} | {row['ours_epoch_seconds']:.3f} | "
              f"{row['authors_epoch_seconds']:.3f} | {row['ratio']:.1f}x |")
    print(f"torch {rows[0]['torch']}; load average after: {_common.load_average()}")
    print("summary: " + ", ".join(f"{r['setup']} {r['ratio']:.1f}x" for r in rows)
          + " faster than the authors' code")
    _common.write_results(args.out, "bench_reference", args,
                          {"status": "measured", "table": rows}, machine)


if __name__ == "__main__":
    main()
