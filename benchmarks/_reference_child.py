"""The authors' side of ``bench_reference.py``: run by the interpreter that has PyTorch.

Not a benchmark of its own (its name starts with an underscore): ``bench_reference.py``
starts it as ``TORCH_PYTHON _reference_child.py --repo PATH --arrays NPZ ...`` and reads
one JSON line from its standard output. It imports only numpy, torch and the authors'
``im_net`` package from ``--repo`` (a checkout of Priesemann-Group/Infomorphic_Networks),
never sklearn_infomorph, so that it runs in a separate virtual environment.

The network is the one of the authors' MNIST experiments, built from their layer class
with their configuration's settings: a hidden layer of N neurons (F+C: their bivariate
activation with k1 = 0.9 and adaptive bins; F+C+L: their trivariate activation with
c1 = c2 = 0.1, fixed bins on [-20, 20] and every other neuron as lateral partner, two
recurrent steps of which the second learns) and a readout of 10 neurons whose context
weights are the identity, reset before every batch; Adam per layer with their learning
rates and weight decays. A training step is what their training loop does per batch
(zero the gradients, forward, each layer's PID goal with its atoms, backward, Adam
steps), without its accuracy bookkeeping.
"""

import argparse
import json
import os
import pickle
import sys
import tempfile
import time

import numpy as np

#: The trivariate atoms in the order of the authors' goal vectors (sources 1, 2, 3 are
#: F, C, L), the residual entropy last.
TRIVARIATE_ORDER = (
    "{F}{C}{L}", "{F}{C}", "{F}{L}", "{C}{L}", "{F}{CL}", "{C}{FL}", "{L}{FC}", "{F}", "{C}",
    "{L}", "{FC}{FL}{CL}", "{FC}{FL}", "{FC}{CL}", "{FL}{CL}", "{FC}", "{FL}", "{CL}",
    "{FCL}", "H_res",
)
#: The bivariate atoms in that order: unique F, unique C, redundancy, synergy, H_res.
BIVARIATE_ORDER = ("unq_F", "unq_C", "red", "syn", "H_res")


def goal_vector(weights, order):
    """The goal weights (dict atom -> weight, missing ones 0) as the authors' list."""
    return [float(weights.get(name, 0.0)) for name in order]


def write_moebius(path, get_achains):
    """Write the Moebius table the authors' PID loads (``moebius.pkl``) where their
    checkout lacks it: for 2 and 3 sources, (antichains numbered from 1, the inverse of
    the lattice's zeta matrix), so that ``atoms = table @ I_cap``; I_cap of an antichain
    is the sum of the atoms of the antichains below it (Williams and Beer's order:
    beta <= alpha when every set of alpha contains a set of beta)."""
    table = {}
    for n in (2, 3):
        chains = list(get_achains(num_sources=n, starting_idx=1))
        top = (tuple(range(1, n + 1)),)
        if top not in chains:
            chains.append(top)

        def below(beta, alpha):
            return all(any(set(b) <= set(a) for b in beta) for a in alpha)

        zeta = np.array([[1.0 if below(beta, alpha) else 0.0 for beta in chains]
                         for alpha in chains])
        table[n] = (chains, np.linalg.inv(zeta))
    with open(path, "wb") as fh:
        pickle.dump(table, fh)


def build(torch, im_model, prob_estim, setup, n_hidden, goals):
    """(step function, description) of the authors' network for ``setup``."""
    cpu = torch.device("cpu")
    lateral = setup == "FCL"
    if lateral:
        hidden = im_model.IM_Layer(
            [784, 10, n_hidden], n_hidden, "im_net.activation_functions.Schneider3SourceActivation",
            prob_estim.BinningFixedSize(cpu, n_bins=[20, 20, 20], edges=[[-20, 20]] * 3,
                                        normalize=True, symmetric=True),
            biases=[True, True, True], connections=[1, 1, 1 - torch.eye(n_hidden)],
            activation_params={"c1": 0.1, "c2": 0.1},
        )
        hidden_goal = goal_vector(goals["hidden"], TRIVARIATE_ORDER)
    else:
        hidden = im_model.IM_Layer(
            [784, 10], n_hidden, "im_net.activation_functions.GraetzActivation",
            prob_estim.BinningAdaptiveSize(cpu, n_bins=[20, 20], normalize=True, symmetric=True),
            biases=[True, True], connections=[1, 1], activation_params={"k1": 0.9},
        )
        hidden_goal = goal_vector(goals["hidden"], BIVARIATE_ORDER)
    readout = im_model.IM_Layer(
        [n_hidden, 10], 10, "im_net.activation_functions.GraetzActivation",
        prob_estim.BinningAdaptiveSize(cpu, n_bins=[20, 20], normalize=True, symmetric=True),
        biases=[True, True], connections=[1, torch.eye(10)], activation_params={"k1": 1},
    )
    readout_goal = goal_vector(goals["readout"], BIVARIATE_ORDER)
    optimisers = (torch.optim.Adam(hidden.parameters(), lr=0.002, weight_decay=0.00035),
                  torch.optim.Adam(readout.parameters(), lr=0.003, weight_decay=0.00015))
    eye = torch.eye(10)

    def step(x, c):
        with torch.no_grad():
            readout.sources[1].weight[:] = eye
        for optimiser in optimisers:
            optimiser.zero_grad(set_to_none=True)
        if lateral:
            y = torch.zeros((x.shape[0], n_hidden))
            for _ in range(2):
                y = hidden.forward([x, c, y], sample=True).detach()
        else:
            y = hidden.forward([x, c], sample=True).detach()
        readout.forward([y, c], sample=False)
        for layer, goal in ((hidden, hidden_goal), (readout, readout_goal)):
            loss, _ = layer.loss(gamma=goal, return_information=True)
            loss.backward()
        for optimiser in optimisers:
            optimiser.step()

    return step


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repo", required=True)
    p.add_argument("--arrays", required=True, help=".npz with X (float32), y, order")
    p.add_argument("--setup", choices=("FC", "FCL"), required=True)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--batches", type=int, default=0, help="time this many (0: all)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--goals", required=True, help="JSON {hidden: {...}, readout: {...}}")
    args = p.parse_args()

    repo = os.path.abspath(args.repo)
    sys.path.insert(0, repo)
    import torch
    from im_net import helper_functions, im_model, prob_estim

    # Their PID reads moebius.pkl from the working directory; a checkout without the
    # file (a shallow or partial one) gets the same table computed here.
    table = os.path.join(repo, "moebius.pkl")
    if os.path.isfile(table) and os.path.getsize(table) > 0:
        os.chdir(repo)
        moebius = "theirs"
    else:
        os.chdir(tempfile.mkdtemp(prefix="moebius"))
        write_moebius("moebius.pkl", helper_functions.get_achains)
        moebius = "computed"

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    arrays = np.load(args.arrays)
    X, y, order = arrays["X"], arrays["y"], arrays["order"]
    batches = [order[lo:lo + args.batch] for lo in range(0, len(order), args.batch)]
    n_full = len(batches)
    timed = batches[:args.batches] if args.batches else batches
    step = build(torch, im_model, prob_estim, args.setup, args.hidden, json.loads(args.goals))

    def tensors(idx):
        c = np.zeros((len(idx), 10), dtype=np.float32)
        c[np.arange(len(idx)), y[idx]] = 1.0
        return torch.from_numpy(np.ascontiguousarray(X[idx])), torch.from_numpy(c)

    start = time.perf_counter()
    step(*tensors(batches[0]))  # warm-up (allocations, the Moebius table)
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    for idx in timed:
        step(*tensors(idx))
    seconds = time.perf_counter() - start
    print(json.dumps({
        "setup": args.setup, "seconds": seconds, "batches_timed": len(timed),
        "batches_per_epoch": n_full, "epoch_seconds": seconds * n_full / len(timed),
        "warm_up_seconds": warm_up, "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(), "moebius": moebius,
    }))


if __name__ == "__main__":
    main()
