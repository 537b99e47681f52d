"""float64 vs float32 for the dense parts of one training batch, side by side.

The PID kernel works on probabilities and logarithms and stays float64; the
question is whether the matrix products (potentials and weight gradients) would
gain from float32. Prints the time of the products of one MNIST-sized batch
(B=1024, D=784, N=100, single BLAS thread as during fit) in both precisions, next
to the time of the PID kernel for the same batch.
"""

import numpy as np
from threadpoolctl import threadpool_limits

import _common
from _common import BatchPID, best_of


def main():
    parser = _common.parser(__doc__, "bench_precision")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    rng = np.random.default_rng(0)
    B, D, N, K = 1024, 784, 100, 20
    results = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for dtype in (np.float64, np.float32):
            X = rng.normal(size=(B, D)).astype(dtype)
            W = rng.normal(size=(D, N)).astype(dtype)
            delta = rng.normal(size=(B, N)).astype(dtype)
            Y = rng.normal(size=(B, N)).astype(dtype)
            WL = rng.normal(size=(N, N)).astype(dtype)

            def products():
                X @ W  # feedforward potential
                Y @ WL  # lateral potential
                X.T @ delta  # feedforward weight gradient
                Y.T @ delta  # lateral weight gradient

            results[np.dtype(dtype).name] = best_of(products, args.repeats)
    engine = BatchPID(3)
    bins = rng.integers(0, K, (N, 3, B))
    theta = rng.uniform(0.01, 0.99, (N, B))
    gamma = rng.normal(size=18)
    engine.evaluate_sources_first(bins, theta, K, gamma, 0.0)
    pid = best_of(lambda: engine.evaluate_sources_first(bins, theta, K, gamma, 0.0), 5)
    f64, f32 = results["float64"], results["float32"]
    print(f"matrix products per batch: float64 {1e3 * f64:.2f} ms, float32 {1e3 * f32:.2f} ms "
          f"(float32 saves {1e3 * (f64 - f32):.2f} ms)")
    print(f"PID kernel (float64, n=3, N=100, B=1024): {1e3 * pid:.2f} ms")
    print(f"float32 would save {100 * (f64 - f32) / (f64 + pid):.1f} % of products + PID")
    _common.write_results(args.out, "bench_precision", args, {
        "products_seconds": {"float64": f64, "float32": f32}, "pid_kernel_seconds": pid,
        "float32_saves_fraction": (f64 - f32) / (f64 + pid)}, machine)


if __name__ == "__main__":
    main()
