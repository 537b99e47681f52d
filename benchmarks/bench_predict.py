"""Prediction time on 10,000 MNIST test images next to the floor of one forward pass.

Usage::

    python benchmarks/bench_predict.py --data /path/to/mnist [--threads 2] [--quick]

For each setup (F+C, F+L, F+C+L; N = 100 hidden neurons), an ``InfomorphicClassifier``
is fitted for one epoch on (a part of) the training images, then
``predict(X_test)`` is timed on the 10,000 test images (best of several runs; input
validation included). The floor is the time of the forward products alone, in
float64 like prediction, with the same number of threads: ``X W_F`` (784 -> N), the
lateral step ``E[Y] W_L`` (N -> N) for L, and the readout (N -> 10); the faster
of one multi-threaded BLAS call per product and the engine's row blocks. Target:
predict <= 2 x floor.
"""

import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_infomorph import InfomorphicClassifier

import _common
from _common import best_of, blocked_product, limit_threads


def forward_floor(X, coefs, n_threads, repeats):
    """Best time of the forward products of one prediction pass (float64)."""
    W_F = coefs[0]["F"]
    W_L = coefs[0].get("L")
    W_R = coefs[-1]["F"]
    hidden = np.tanh(X[:, : W_F.shape[1]])  # any (n, N) matrix of the right shape

    def products(mm):
        mm(X, W_F)
        if W_L is not None:
            mm(hidden, W_L)
        mm(hidden, W_R)

    with limit_threads(n_threads):
        blocked = best_of(lambda: products(blocked_product), repeats)
    with threadpool_limits(limits=n_threads, user_api="blas"):
        plain = best_of(lambda: products(np.matmul), repeats)
    return min(blocked, plain)


def main():
    parser = _common.parser(__doc__, "bench_predict", data=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fit on 10,000 images, 3 repeats")
    args = parser.parse_args()
    X, y, X_test, _ = _common.zscored_mnist(args.data)
    n_fit = 10_000 if args.quick else 60_000
    repeats = 3 if args.quick else 7
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    print(f"predict 10,000 MNIST test images, N = 100, {args.threads} thread(s)")
    print("| setup | predict s | floor (forward products) s | predict / floor | target <= 2 |")
    print("|---|---|---|---|---|")
    ratios, table = [], []
    for sources in ("FC", "FL", "FCL"):
        clf = InfomorphicClassifier(sources=sources, batch_size=1024, max_iter=1,
                                    random_state=0, n_jobs=args.threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X[:n_fit], y[:n_fit])
        clf.predict(X_test[:100])  # compile / warm up
        seconds = best_of(lambda clf=clf: clf.predict(X_test), repeats)
        floor = forward_floor(X_test, clf.coefs_, args.threads, repeats)
        ratios.append(seconds / floor)
        table.append({"sources": sources, "predict_seconds": seconds, "floor_seconds": floor})
        print(f"| F+{'+'.join(sources[1:])} | {seconds:.4f} | {floor:.4f} | "
              f"{seconds / floor:.2f} | {'met' if seconds <= 2 * floor else 'missed'} |")
    print(f"summary: worst predict / floor = {max(ratios):.2f} (target <= 2)")
    _common.write_results(args.out, "bench_predict", args,
                          {"table": table, "worst_predict_over_floor": max(ratios)}, machine)


if __name__ == "__main__":
    main()
