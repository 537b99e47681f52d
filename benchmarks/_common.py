"""What the benchmark scripts share: data, timing, machine information, JSON results.

Every script takes ``--out PATH`` and writes one JSON document there (by default
``benchmarks/results/<script>.json``): the script's name and arguments, the machine
(:func:`machine_info`) and its results. The printed tables are for reading; the JSON
is for comparing runs.

The scripts use the package's public API wherever they can. The few internals a
benchmark truly needs (the per-phase timers of a training batch, the thread pool's
blocked product and block cap, the batch gather fit uses, the thread limits, the PID
driver, the dense PID reference, the memories' bit flipping, the bias-correction
internals, the network inside a classifier) are imported or reached below and nowhere
else in ``benchmarks/``, so that a move inside the package changes this file only.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# Engine internals: this is the only place benchmarks/ reaches into them. Everything
# below but load_mnist_format is private to the package.
from sklearn_infomorph._associative_memory import flip_bits  # noqa: F401
from sklearn_infomorph._base import InfomorphicBase  # noqa: F401
from sklearn_infomorph._engine import _layer as _layer_module
from sklearn_infomorph._engine._batch_pid import BatchPID  # noqa: F401
from sklearn_infomorph._engine._float32 import gather_float32  # noqa: F401
from sklearn_infomorph._engine._network import Network  # noqa: F401
from sklearn_infomorph._engine._thread_budget import (  # noqa: F401
    limit_threads,
    resolve_n_threads,
)
from sklearn_infomorph._engine._thread_pool import _MAX_BLOCKS as MAX_PRODUCT_BLOCKS  # noqa: F401
from sklearn_infomorph._engine._thread_pool import product as blocked_product  # noqa: F401
from sklearn_infomorph._pid_bias import (  # noqa: F401
    estimate_bias,
    frame,
    interval_stats,
    plug_in_and_bootstrap,
    table_columns,
)
from sklearn_infomorph.datasets import load_mnist_format
from sklearn_infomorph.pid import _dense_i_cap as dense_i_cap  # noqa: F401

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Where the MNIST-format folders are looked for when --data is not given.
DATA_ENV = "SKLEARN_INFOMORPH_DATA"
N_CLASSES = 10


# -- command line ------------------------------------------------------------------------
def parser(doc, name, *, data=False, dataset="mnist", records=None):
    """An ArgumentParser with ``--out`` (and ``--data`` for the MNIST benchmarks).

    ``records``: the extension (``".jsonl"``, ``".csv"``) of the file of a resumable
    script, which ``--out`` then names: one record per finished run, appended as the
    script goes; the summary goes to :func:`summary_path` beside it.
    """
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    if records is None:
        p.add_argument("--out", default=str(HERE / "results" / f"{name}.json"),
                       help="JSON file for the results (default: %(default)s)")
    else:
        p.add_argument("--out", default=str(HERE / "results" / f"{name}{records}"),
                       help=f"one record per finished run ({records}), read back to resume; "
                            "the summary goes beside it as .json (default: %(default)s)")
    if data:
        default = default_data_dir(dataset)
        p.add_argument("--data", default=default, required=default is None,
                       help="folder with the 4 MNIST-format idx(.gz) files (default: "
                            f"${DATA_ENV}/{dataset}, else shared/data/{dataset} beside the "
                            "checkout, if present)")
    return p


def default_data_dir(dataset="mnist"):
    """``$SKLEARN_INFOMORPH_DATA/<dataset>``, else ``shared/data/<dataset>`` beside the
    checkout (or beside a folder above it), if it exists."""
    candidates = []
    if os.environ.get(DATA_ENV):
        candidates.append(Path(os.environ[DATA_ENV]) / dataset)
    candidates += [folder / "shared" / "data" / dataset for folder in ROOT.parents]
    for folder in candidates:
        if folder.is_dir():
            return str(folder)
    return None


# -- data ---------------------------------------------------------------------------------
def load_mnist(data_dir):
    """The 60,000 training and 10,000 test images (float64 pixels 0..255) and labels."""
    X, y = load_mnist_format(data_dir, "train")
    X_test, y_test = load_mnist_format(data_dir, "test")
    return X, y, X_test, y_test


def papers_split(data_dir, n_train=48000):
    """The papers' split: the first 48,000 training images to train, the other 12,000
    to validate, the 10,000 test images to test; every pixel z-scored with one global
    mean and standard deviation of the training part.

    ``n_train`` < 48,000 keeps only the first ``n_train`` images for training (smoke
    runs); validation stays images 48,000 to 60,000.

    Returns
    -------
    dict with ``train``, ``val``, ``test``: (X, y) pairs, and ``mean``, ``std``.
    """
    X, y, X_test, y_test = load_mnist(data_dir)
    n_train = min(n_train, 48000)
    X_train, y_train = X[:n_train], y[:n_train]
    mean, std = X_train.mean(), X_train.std()

    def scale(a):
        return (a - mean) / std

    return {"train": (scale(X_train), y_train), "val": (scale(X[48000:]), y[48000:]),
            "test": (scale(X_test), y_test), "mean": float(mean), "std": float(std)}


def zscored_mnist_train(data_dir, dtype=np.float64):
    """The 60,000 training images as ``dtype``, z-scored in place with their global mean
    and std (no second copy of the images), and their labels."""
    X, y = load_mnist_format(data_dir, "train", dtype=dtype)
    X -= X.mean()
    X /= X.std()
    return X, y


def zscored_mnist(data_dir):
    """All 60,000 training images z-scored with their global mean and std, the test
    images with the same; (X, y, X_test, y_test). For the speed benchmarks."""
    X, y, X_test, y_test = load_mnist(data_dir)
    mean, std = X.mean(), X.std()
    return (X - mean) / std, y, np.ascontiguousarray((X_test - mean) / std), y_test


# -- timing -------------------------------------------------------------------------------
def time_runs(function, repeats):
    """Wall seconds of ``repeats`` calls of ``function()``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def best_of(function, repeats):
    """The fastest of ``repeats`` calls of ``function()``, in seconds."""
    return min(time_runs(function, repeats))


@contextmanager
def phase_times():
    """Seconds per phase of every layer's training batches run inside the block.

    Yields a dict that is filled when the block ends.
    """
    times = {}
    _layer_module._PHASES.enable()
    try:
        yield times
    finally:
        times.update(_layer_module._PHASES.disable())


def training_network(clf, X, y):
    """The engine network ``clf`` trains, ready for ``network.train_batch(x, onehot, rng)``.

    Initialised by one ``partial_fit`` on the first batch of (X, y).
    """
    rows = clf.batch_size if isinstance(clf.batch_size, int) else 256
    clf.partial_fit(X[:rows], y[:rows], classes=np.arange(N_CLASSES))
    return clf._network


def hidden_layer_outputs(clf, X):
    """Deterministic outputs ``2 theta - 1`` of every hidden layer of the fitted
    InfomorphicClassifier ``clf`` on X (context zero, as in ``predict``), a list of
    (n_samples, n_neurons) arrays; the classifier has no public method for them."""
    x = np.ascontiguousarray(X, dtype=np.float64)
    outputs = []
    for layer in clf._network.layers[:-1]:
        x = 2.0 * layer.forward_expected(x) - 1.0
        outputs.append(x)
    return outputs


def readout_flip_from_a_pass(clf, X, y):
    """The readout inversion a separate pass over (X, y) would decide for the fitted
    ``clf`` (``clf`` is not changed)."""
    theta = clf._network.readout_outputs(X)
    flip = np.zeros(theta.shape[1], dtype=bool)
    for k in range(theta.shape[1]):  # the classifier's rule (_calibration.ReadoutStats)
        own = y == k
        if own.any() and (~own).any():
            flip[k] = theta[own, k].mean() < theta[~own, k].mean()
        else:
            flip[k] = theta[:, k].mean() >= 0.5
    return flip


# -- machine ------------------------------------------------------------------------------
class OtherLoad:
    """CPUs kept busy by other processes while we time (Linux /proc/stat), or None.

    Machine-wide busy time (user, nice, system, irq, softirq, steal) minus the CPU time
    of this process over the interval, divided by the wall time.
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]
        own = os.times()
        return busy / os.sysconf("SC_CLK_TCK"), own.user + own.system, time.perf_counter()

    def cpus(self):
        end = self._sample()
        if self.start is None or end is None:
            return None
        wall = end[2] - self.start[2]
        other = (end[0] - self.start[0]) - (end[1] - self.start[1])
        return max(0.0, other / wall) if wall > 0 else None


def load_average():
    """The 1, 5 and 15 minute load averages, or None where the system has none."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit():
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def machine_info():
    """CPU, thread settings, BLAS, library versions, load and commit, as a dict."""
    import joblib
    import numba
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    import sklearn_infomorph

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    return {
        "cpu": _cpu_model(), "cpus": cpus, "machine": platform.machine(),
        "system": platform.system(),
        "numba_threads": numba.get_num_threads(),
        "NUMBA_NUM_THREADS": numba.config.NUMBA_NUM_THREADS,
        "blas": [{k: pool.get(k) for k in ("internal_api", "version", "num_threads")}
                 for pool in threadpool_info() if pool.get("user_api") == "blas"],
        "versions": {
            "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "numba": numba.__version__, "joblib": joblib.__version__,
            "sklearn-infomorph": getattr(sklearn_infomorph, "__version__", None),
        },
        "commit": _git_commit(),
        "load_average": load_average(),
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def machine_line(info=None):
    """One printable line of :func:`machine_info`."""
    info = machine_info() if info is None else info
    v = info["versions"]
    load = info["load_average"]
    return (f"{info['cpu']}, {info['cpus']} cpus, numba threads {info['numba_threads']}; "
            f"python {v['python']}, numpy {v['numpy']}, numba {v['numba']}, scikit-learn "
            f"{v['scikit-learn']}; commit {info['commit']}; load average "
            f"{' '.join(map(str, load)) if load else 'n/a'}")


def summary_path(out):
    """The summary JSON beside a resumable script's records file ``out``."""
    return str(Path(out).with_suffix(".json"))


# -- results ------------------------------------------------------------------------------
def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_results(path, name, args, results, machine=None):
    """Write ``{"benchmark", "argv", "args", "machine", "results"}`` as JSON to ``path``."""
    document = {
        "benchmark": name, "argv": sys.argv[1:],
        "args": _plain(vars(args) if isinstance(args, argparse.Namespace) else dict(args)),
        "machine": machine or machine_info(), "results": _plain(results),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results written to {path}")
    return document


def read_json_lines(path, keep=lambda record: True):
    """Records of a JSON-lines file (one finished fit per line), [] if it does not exist."""
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [r for r in (json.loads(line) for line in fh if line.strip()) if keep(r)]


def append_json_line(path, record):
    """Append one record to a JSON-lines file (a long run can be resumed from it)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fh.write(json.dumps(_plain(record)) + "\n")
