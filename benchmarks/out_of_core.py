"""Out-of-core training with dask-ml: rows per second and peak memory as the data grows.

Usage::

    python benchmarks/out_of_core.py [--quick] [--rows 100000 1000000 10000000]
        [--block 100000] [--workers 1 2] [--predict-rows 2000000]

Training: ``dask_ml.wrappers.Incremental`` calls ``InfomorphicClassifier.partial_fit``
on each block of a dask array (one pass over the data, blocks in order), for data of
100,000, 1 million and 10 million rows x 30 features. The blocks are drawn on the fly
by ``dask.array``'s random generator from a seed, and the labels computed from each
block (3 classes, the argmax of a fixed random linear map of the features): no more
than a block or two of the data exists at any time. Reported: training rows per
second, the accuracy on 100,000 new rows, and the peak resident memory (RSS) of this
process while training, sampled every 20 ms, beside the size the data would take in
memory. The default scheduler is the synchronous one (one block at a time); with
``--scheduler threads`` dask draws blocks ahead on the other thread, with
``--scheduler cluster`` the chain of ``partial_fit`` tasks runs on a local cluster of
one worker process (its RSS is reported too).

Prediction: ``dask_ml.wrappers.ParallelPostFit`` around the model fitted on the first
size predicts ``--predict-rows`` rows (drawn on the workers) on a local cluster of 1,
then 2 worker processes of one thread each; the time of ``.compute()`` (after a
warm-up, which loads the compiled kernels in the workers) and the workers' peak RSS.

Run it through ``/work/tools/cpu --exclusive`` on an idle machine for timings to
publish; the load average is printed with the table.
"""

import threading
import time
import warnings

import numpy as np

from sklearn_infomorph import InfomorphicClassifier

import _common

N_CLASSES = 3
MIB = 2.0**20


# -- data: blocks drawn on the fly -------------------------------------------------------
def labels_of(block, weights):
    """The class of each row: the argmax of a fixed linear map of its features."""
    return np.argmax(block @ weights, axis=1)


def blocks(n_rows, n_features, block, seed, task_seed=0):
    """(X, y) dask arrays of ``n_rows`` rows in blocks of ``block`` rows, drawn from
    ``seed``, labelled by the linear map drawn from ``task_seed`` (the same task for
    every seed); nothing is computed here."""
    import dask.array as da

    weights = np.random.default_rng(task_seed).normal(size=(n_features, N_CLASSES))
    X = da.random.default_rng(seed).standard_normal((n_rows, n_features),
                                                    chunks=(block, n_features))
    y = X.map_blocks(labels_of, weights, drop_axis=1, dtype=np.int64)
    return X, y


# -- memory ------------------------------------------------------------------------------
class PeakRSS:
    """Peak RSS of this process and of each of its child processes (the workers of a
    local cluster), sampled every ``interval`` seconds in a thread while in the block."""

    def __init__(self, interval=0.02):
        import psutil

        self.interval = interval
        self.process = psutil.Process()
        self.own = 0
        self.children = {}

    def _sample(self):
        import psutil

        self.own = max(self.own, self.process.memory_info().rss)
        for child in self.process.children(recursive=True):
            try:
                rss = child.memory_info().rss
            except psutil.Error:
                continue
            self.children[child.pid] = max(self.children.get(child.pid, 0), rss)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._stop = threading.Event()
        self._sample()
        self.start_own = self.own
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    def worker_peak(self):
        """The largest peak RSS of a child process (0 without children)."""
        return max(self.children.values(), default=0)


def local_cluster(n_workers):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    return cluster, Client(cluster)


# -- training ----------------------------------------------------------------------------
def classifier(args):
    return InfomorphicClassifier(hidden_layer_sizes=(args.hidden,), random_state=0)


def train(args, n_rows, scheduler, test):
    """One pass of Incremental over n_rows rows; seconds, memory and test accuracy."""
    import dask
    from dask_ml.wrappers import Incremental

    X, y = blocks(n_rows, args.features, args.block, args.seed)
    model = Incremental(classifier(args), shuffle_blocks=False)
    cluster = client = None
    if scheduler == "cluster":
        cluster, client = local_cluster(1)
        # Load the compiled kernels in the worker before the clock starts.
        client.run(warm_up, args.features)
    try:
        config = {} if client is not None else {"scheduler": scheduler}
        with dask.config.set(**config), PeakRSS() as memory:
            start = time.perf_counter()
            model.fit(X, y, classes=np.arange(N_CLASSES))
            seconds = time.perf_counter() - start
    finally:
        if client is not None:
            client.close()
            cluster.close()
    X_test, y_test = test
    return model.estimator_, {
        "scheduler": scheduler, "rows": n_rows, "blocks": len(X.chunks[0]),
        "block_rows": args.block,
        "seconds": seconds, "rows_per_second": n_rows / seconds,
        "data_mib": n_rows * args.features * 8 / MIB,
        "rss_start_mib": memory.start_own / MIB, "rss_peak_mib": memory.own / MIB,
        "worker_rss_peak_mib": memory.worker_peak() / MIB or None,
        "test_accuracy": float(model.estimator_.score(X_test, y_test)),
    }


def warm_up(n_features):
    """Fit and predict a few rows, so that the kernels are loaded in this process."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, n_features))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = InfomorphicClassifier(hidden_layer_sizes=(4,), random_state=0)
        clf.partial_fit(X, np.arange(64) % N_CLASSES, classes=np.arange(N_CLASSES))
        clf.predict(X)


# -- prediction --------------------------------------------------------------------------
def predict_on_cluster(args, fitted, n_workers):
    """ParallelPostFit.predict(...).compute() on a local cluster of n_workers."""
    from dask_ml.wrappers import ParallelPostFit

    X, y = blocks(args.predict_rows, args.features, args.block, args.seed + 2)
    model = ParallelPostFit(fitted, predict_meta=np.array([], dtype=np.int64))
    cluster, client = local_cluster(n_workers)
    try:
        client.run(warm_up, args.features)
        with PeakRSS() as memory:
            start = time.perf_counter()
            predicted = model.predict(X).compute()
            seconds = time.perf_counter() - start
        accuracy = float(np.mean(predicted == y.compute()))
    finally:
        client.close()
        cluster.close()
    return {"workers": n_workers, "rows": args.predict_rows, "seconds": seconds,
            "rows_per_second": args.predict_rows / seconds,
            "worker_rss_peak_mib": memory.worker_peak() / MIB, "accuracy": accuracy}


def main():
    p = _common.parser(__doc__, "out_of_core")
    p.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    p.add_argument("--features", type=int, default=30)
    p.add_argument("--block", type=int, default=100_000, help="rows per block")
    p.add_argument("--hidden", type=int, default=100, help="hidden neurons")
    p.add_argument("--scheduler", default="synchronous",
                   choices=["synchronous", "threads", "cluster"],
                   help="where the partial_fit chain runs for --rows (default: %(default)s)")
    p.add_argument("--cluster-rows", type=int, nargs="*", default=[1_000_000],
                   help="also train on a local cluster of one worker for these sizes")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--predict-rows", type=int, default=2_000_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true",
                   help="20,000 and 100,000 rows in blocks of 10,000, 16 hidden neurons, "
                        "prediction of 100,000 rows")
    args = p.parse_args()
    if args.quick:
        args.rows, args.block, args.hidden, args.predict_rows = [20_000, 100_000], 10_000, 16, \
            100_000
        args.cluster_rows = [20_000]
    import dask
    import dask_ml

    machine = _common.machine_info()
    machine["versions"].update({"dask": dask.__version__, "dask-ml": dask_ml.__version__})
    print(_common.machine_line(machine))
    print(f"dask {dask.__version__}, dask-ml {dask_ml.__version__}; "
          f"{args.features} features, {N_CLASSES} classes, blocks of {args.block:,} rows, "
          f"{args.hidden} hidden neurons (FCL), one pass over the data")
    warm_up(args.features)
    with dask.config.set(scheduler="synchronous"):
        X_test, y_test = blocks(100_000, args.features, args.block, args.seed + 1)
        test = X_test.compute(), y_test.compute()
    del X_test, y_test

    print("| scheduler | rows | data in memory would be | train s | rows/s "
          "| peak RSS (start) MiB | worker peak RSS MiB | test accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    training, fitted = [], None
    runs = [(args.scheduler, n) for n in args.rows] + [("cluster", n) for n in args.cluster_rows]
    for scheduler, n_rows in runs:
        model, record = train(args, n_rows, scheduler, test)
        if scheduler == args.scheduler:
            fitted = model  # the one fitted on the most data predicts below
        training.append(record)
        worker = record["worker_rss_peak_mib"]
        worker = "-" if worker is None else f"{worker:,.0f}"
        print(f"| {scheduler} | {n_rows:,} | {record['data_mib']:,.0f} MiB "
              f"| {record['seconds']:.1f} | {record['rows_per_second']:,.0f} "
              f"| {record['rss_peak_mib']:,.0f} ({record['rss_start_mib']:,.0f}) | {worker} "
              f"| {record['test_accuracy']:.3f} |", flush=True)

    print(f"\nParallelPostFit.predict of {args.predict_rows:,} rows on a local cluster "
          f"(model fitted on {args.rows[-1]:,} rows)")
    print("| workers | predict s | rows/s | speed-up | worker peak RSS MiB | accuracy |")
    print("|---|---|---|---|---|---|")
    prediction = []
    for n_workers in args.workers:
        record = predict_on_cluster(args, fitted, n_workers)
        prediction.append(record)
        speedup = prediction[0]["seconds"] / record["seconds"]
        print(f"| {n_workers} | {record['seconds']:.2f} | {record['rows_per_second']:,.0f} "
              f"| {speedup:.2f} | {record['worker_rss_peak_mib']:,.0f} "
              f"| {record['accuracy']:.3f} |", flush=True)
    machine["load_average_end"] = _common.load_average()
    print(f"load average at the end: {machine['load_average_end']}")
    _common.write_results(args.out, "out_of_core", args,
                          {"training": training, "prediction": prediction}, machine)


if __name__ == "__main__":
    main()
