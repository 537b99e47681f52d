"""Searches on a Dask cluster through joblib, and the thread budget inside workers."""

import contextlib
import os
import signal
import sys

import joblib
import numba
import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph._engine import _thread_budget as _threads
from sklearn_infomorph.metrics import make_atom_scorers

pytestmark = pytest.mark.dask

TIMEOUT = 120  # seconds for any one test on the cluster: fail instead of hanging


@contextlib.contextmanager
def deadline(seconds):
    """Raise TimeoutError in the main thread if the block runs longer than seconds."""

    def expire(signum, frame):
        raise TimeoutError(f"gave up after {seconds} s (Dask cluster not answering?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    # The probe below is defined in this test module, which the workers cannot import.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with deadline(TIMEOUT):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        )
        try:
            dask_client = distributed.Client(cluster, timeout=60)
        except BaseException:
            cluster.close()
            raise
    try:
        yield dask_client
    finally:
        with deadline(TIMEOUT):
            dask_client.close()
            cluster.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def data(digits):
    X_train, _, y_train, _ = digits
    return X_train[:240], y_train[:240]


def small_clf(**params):
    base = dict(hidden_layer_sizes=(8,), batch_size=64, max_iter=4, random_state=0)
    base.update(params)
    return InfomorphicClassifier(**base)


def comparable(results):
    """cv_results_ without the timings, which differ from run to run."""
    return {k: v for k, v in results.items() if "time" not in k}


def assert_same_results(local, remote):
    local, remote = comparable(local), comparable(remote)
    assert local.keys() == remote.keys()
    for key in local:
        if key == "params" or key.startswith("param_"):
            assert list(local[key]) == list(remote[key]), key
        else:
            np.testing.assert_array_equal(local[key], remote[key], err_msg=key)


# -- the same searches on the cluster ----------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.slow
@pytest.mark.subprocess
def test_grid_search_on_dask_equals_local_run(client, data):
    X, y = data
    scoring = {"accuracy": "accuracy", **make_atom_scorers(["red", "syn", "MI"])}

    def search():
        return GridSearchCV(
            small_clf(sources="FC", goal="context_heuristic"),
            {"goal__red": [0.5, 1.0], "goal__syn": [0.0, 0.2]}, cv=2, scoring=scoring,
            refit="accuracy",
        )

    local = search().fit(X, y)
    with deadline(TIMEOUT), joblib.parallel_backend("dask", wait_for_workers_timeout=60):
        remote = search().fit(X, y)
    assert_same_results(local.cv_results_, remote.cv_results_)
    assert remote.best_params_ == local.best_params_
    assert len(local.cv_results_["params"]) == 4
    # The fits really ran in the two worker processes.
    imported = client.run(lambda: "sklearn_infomorph._base" in sys.modules)
    assert list(imported.values()) == [True, True]


@pytest.mark.short_fit
@pytest.mark.slow
@pytest.mark.subprocess
def test_randomized_search_with_distributions_on_dask_equals_local_run(client, data):
    X, y = data

    def search():
        return RandomizedSearchCV(
            small_clf(sources="FCL", goal="trivariate_optimised"),
            {"goal__{F}{C}": uniform(0, 1), "goal__{FC}{FL}": uniform(-1, 1)},
            n_iter=3, cv=2, random_state=0,
        )

    local = search().fit(X, y)
    with deadline(TIMEOUT), joblib.parallel_config(backend="dask"):
        remote = search().fit(X, y)
    assert_same_results(local.cv_results_, remote.cv_results_)


# -- thread budget inside workers --------------------------------------------------------------
def probe_threads(n_jobs_values):
    """Fit small classifiers and record the numba threads the engine trains with."""
    from sklearn.datasets import load_digits

    from sklearn_infomorph._engine._network import Network

    X, y = load_digits(return_X_y=True)
    X, y = X[:200] / 16, y[:200]
    seen = []
    train_batch = Network.train_batch

    def recording(self, *args, **kwargs):
        seen.append(numba.get_num_threads())
        return train_batch(self, *args, **kwargs)

    before = numba.get_num_threads()
    Network.train_batch = recording
    try:
        for n_jobs in n_jobs_values:
            small_clf(sources="FC", max_iter=2, n_jobs=n_jobs).fit(X, y)
    finally:
        Network.train_batch = train_batch
    return {
        "budget": _threads.thread_budget(),
        "numba_max": numba.config.NUMBA_NUM_THREADS,
        "seen": seen,
        "before": before,
        "after": numba.get_num_threads(),
    }


@pytest.mark.slow
@pytest.mark.subprocess
def test_dask_worker_trains_with_its_thread_budget(client):
    with deadline(TIMEOUT):
        report = client.submit(probe_threads, [None, -1, 1, 64], pure=False).result(timeout=60)
    # Dask's nanny runs workers with OMP_NUM_THREADS=1 (unless this process sets it):
    # one core per worker thread.
    granted = min(int(os.environ.get("OMP_NUM_THREADS", "1")), report["numba_max"])
    assert report["budget"] == granted
    assert report["seen"] and set(report["seen"]) == {granted}
    assert report["after"] == report["before"]  # restored after every fit


@pytest.mark.slow
@pytest.mark.subprocess
def test_loky_worker_trains_with_the_threads_joblib_grants(data):
    # joblib keeps a NUMBA_NUM_THREADS set in this process, else grants cpus // n_jobs.
    granted = int(os.environ.get("NUMBA_NUM_THREADS", max(1, joblib.cpu_count() // 2)))
    reports = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(probe_threads)(values) for values in ([None, -1], [64])
    )
    for report in reports:
        assert report["numba_max"] == granted  # joblib's NUMBA_NUM_THREADS for workers
        assert report["seen"] and max(report["seen"]) <= granted
        assert report["after"] == report["before"]


@pytest.mark.short_fit
def test_local_process_follows_n_jobs_within_numba_maximum():
    report = probe_threads([1, None, -1])
    n_batches = len(report["seen"]) // 3
    one, default, every = (report["seen"][k * n_batches:(k + 1) * n_batches] for k in range(3))
    top = min(joblib.cpu_count(), numba.config.NUMBA_NUM_THREADS)
    assert set(one) == {1}
    assert set(default) == {min(report["before"], top)}
    assert set(every) == {top}
    assert report["after"] == report["before"]


def test_thread_budget_of_a_dask_task_without_nanny(monkeypatch):
    class Worker:
        class state:
            nthreads = 2

    monkeypatch.setattr(_threads, "_dask_worker", lambda: Worker)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    expected = max(1, min(numba.config.NUMBA_NUM_THREADS, joblib.cpu_count() // 2))
    assert _threads.thread_budget() == expected
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert _threads.thread_budget() == 1
    assert _threads.resolve_n_threads(-1) == 1 and _threads.resolve_n_threads(None) == 1
    with _threads.limit_threads(None) as n_threads:
        assert n_threads == numba.get_num_threads() == 1


def test_n_jobs_zero_is_a_clear_error():
    with pytest.raises(ValueError, match="n_jobs=0 has no meaning"):
        _threads.resolve_n_threads(0)
