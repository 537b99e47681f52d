"""Engine properties the speed-ups must not break: caching and kernels."""

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph._engine import _activation, _fast_math, _jit, _random
from sklearn_infomorph._engine import _thread_pool as par
from sklearn_infomorph._engine._kinds import KINDS
from sklearn_infomorph._engine._specs import Activation

# One and two threads giving bit-identical models, at sizes that reach the engine's
# thread thresholds and with a spy on the pool: test_common.py.


@pytest.mark.slow
@pytest.mark.subprocess
def test_import_compiles_no_kernel():
    code = (
        "import sys, sklearn_infomorph\n"
        "from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer\n"
        "assert 'numba' not in sys.modules, 'numba is imported by the first fit only'\n"
        "from numba.core.registry import CPUDispatcher\n"
        "print(sum(len(o.signatures) for n, m in list(sys.modules.items())\n"
        "          if n.startswith('sklearn_infomorph')\n"
        "          for o in vars(m).values() if isinstance(o, CPUDispatcher)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split()[-1] == "0"


def test_no_cache_location_falls_back_with_a_warning(monkeypatch):
    _jit.build()  # the package's own kernels: built as usual, not in the patch below
    real_njit = _jit.njit

    def njit_without_cache_dir(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real_njit(**options)

    monkeypatch.setattr(_jit, "njit", njit_without_cache_dir)
    monkeypatch.setattr(_jit, "_warned", False)
    with pytest.warns(RuntimeWarning, match="NUMBA_CACHE_DIR"):
        double = _jit.kernel()(lambda x: 2.0 * x)
    assert double(1.5) == 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per process only
        _jit.kernel()(lambda x: x)


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses setpriv / chmod")
def test_read_only_install_caches_in_the_user_cache_dir(tmp_path):
    """A package folder nobody can write to: numba caches under XDG_CACHE_HOME."""
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv cannot test a read-only folder")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    import sklearn_infomorph

    site = tmp_path / "site"
    shutil.copytree(os.path.dirname(sklearn_infomorph.__file__), site / "sklearn_infomorph",
                    ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "home"
    home.mkdir()
    for root, _, files in os.walk(site):
        os.chmod(root, 0o555)
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
    for folder in (tmp_path, *tmp_path.parents[:-1]):
        os.chmod(folder, os.stat(folder).st_mode | 0o005)
    # The unprivileged user must reach this environment's interpreter and packages,
    # also when the checkout sits in a private folder (mktemp -d is 0700): grant
    # traversal (o+x, not listing) on the folders above sys.prefix, restored below.
    closed = [f for f in Path(sys.prefix).parents[:-1] if not os.stat(f).st_mode & 0o001]
    for folder in closed:
        os.chmod(folder, os.stat(folder).st_mode | 0o001)
    if prefix:
        os.chown(home, 65534, 65534)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(site), HOME=str(home), XDG_CACHE_HOME=str(home / "cache"),
               PYTHONDONTWRITEBYTECODE="1")
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "import sklearn_infomorph\n"
        "from sklearn_infomorph._engine import _fast_math as k\n"
        "assert k.fast_exp(0.5) > 0\n"
        "print(sklearn_infomorph.__file__, k.fast_exp.stats.cache_hits)\n"
    )
    try:
        runs = [
            subprocess.run(prefix + [sys.executable, "-c", code], env=env, cwd=home,
                           capture_output=True, text=True)
            for _ in range(2)
        ]
    finally:
        for root, _, _ in os.walk(site):
            os.chmod(root, 0o755)
        for folder in closed:
            os.chmod(folder, os.stat(folder).st_mode & ~0o001)
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.split()[0].startswith(str(site))
    cached = [f for _, _, files in os.walk(home / "cache") for f in files if f.endswith(".nbc")]
    assert cached, "nothing was cached in the user cache directory"
    assert not any(f.endswith(".nbc") for _, _, files in os.walk(site) for f in files)
    assert runs[1].stdout.split()[1] != "{}"  # the second process loaded from the cache


# --------------------------------------------------------------------------- kernels


def test_fast_exp_matches_numpy():
    x = np.concatenate([np.linspace(-700, 700, 20001), np.random.default_rng(0).normal(size=1000)])
    got = np.array([_fast_math.fast_exp(v) for v in x])
    np.testing.assert_allclose(got, np.exp(x), rtol=5e-16, atol=0)
    assert np.isnan(_fast_math.fast_exp(np.nan))
    assert _fast_math.fast_exp(-np.inf) == pytest.approx(np.exp(-708.0))
    assert _fast_math.fast_exp(np.inf) == np.exp(708.0)


def _reference(f, s, t, sources, k1=0.9, k2=2.0, c1=0.1, c2=0.1, w1=2.0, w2=2.0):
    """theta of the papers' activation functions in plain NumPy (clamped to 1e-6)."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    if sources == "FCL":
        z = f * ((1 - c1 - c2) + c1 * sig(w1 * f * s) + c2 * sig(w2 * f * t))
    else:
        z = f * (k1 + (1 - k1) * 2 * sig(k2 * f * s))
    return np.clip(sig(z), 1e-6, 1 - 1e-6)


@pytest.mark.parametrize("sources", ["FC", "FCL"])
def test_activation_and_its_derivatives(sources):
    rng = np.random.default_rng(3)
    n = 2000
    f, s, t = (rng.normal(0, 3, n) for _ in range(3))
    if sources != "FCL":
        t = np.zeros(n)
    consts = KINDS[sources].constants(Activation(0.9, 2.0, 0.1, 0.1, 2.0, 2.0))
    out = [np.empty(n) for _ in range(4)]
    _activation.activate(f, s, t, consts, *out)
    theta, d_f, d_s, d_t = out
    np.testing.assert_allclose(theta, _reference(f, s, t, sources), rtol=1e-13)
    eps = 1e-6
    for value, grad in ((f, d_f), (s, d_s), (t, d_t)):
        up, down = value + eps, value - eps
        args = lambda v: [v if value is x else x for x in (f, s, t)]  # noqa: E731
        fd = (_reference(*args(up), sources) - _reference(*args(down), sources)) / (2 * eps)
        inside = (theta > 2e-6) & (theta < 1 - 2e-6)  # clamped: derivative 0
        np.testing.assert_allclose(grad[inside], fd[inside], rtol=1e-5, atol=1e-9)
        np.testing.assert_array_equal(grad[theta <= 1e-6], 0.0)
    if sources != "FCL":
        np.testing.assert_array_equal(d_t, 0.0)


def test_counter_based_uniforms():
    u = np.array([_random.uniform(np.uint64(12345), i) for i in range(20000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 1800
    assert _random.uniform(np.uint64(12345), 7) == u[7]  # a function of (seed, counter)
    assert _random.uniform(np.uint64(54321), 7) != u[7]


def test_blocks_depend_on_the_shape_only():
    assert par.blocks(1024) == [(k * 128, (k + 1) * 128) for k in range(8)]
    assert par.blocks(10) == [(0, 10)]
    bounds = par.blocks(784)
    assert bounds[0][0] == 0 and bounds[-1][1] == 784
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))


def _two_threads():
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs at least 2 numba threads (NUMBA_NUM_THREADS)")
    from sklearn_infomorph._engine._thread_budget import limit_threads

    return limit_threads(2)


def test_thread_team_runs_every_block_once_on_both_threads():
    import threading

    with _two_threads():
        for _ in range(200):  # many hand-overs: each block exactly once, none lost
            hits = np.zeros(1000, dtype=np.int64)
            who = {}

            def block(lo, hi, hits=hits, who=who):
                hits[lo:hi] += 1
                who[lo] = threading.get_ident()

            par.run(block, par.blocks(1000, 1), 2)
            assert np.all(hits == 1)
        assert len(set(who.values())) == 2  # the caller and one worker


def test_thread_team_raises_a_workers_error_and_runs_nested_calls_inline():
    with _two_threads():
        def failing(lo, hi):
            if lo >= 500:  # the worker's share
                raise ValueError("from the worker")

        with pytest.raises(ValueError, match="from the worker"):
            par.run(failing, par.blocks(1000, 1), 2)

        inner = np.zeros(1000)

        def outer(lo, hi):  # a block that runs blocks of its own: no deadlock
            par.run(lambda a, b: inner.__setitem__(slice(a, b), 1.0), [(lo, hi)], 2)

        par.run(outer, par.blocks(1000, 1), 2)
        assert np.all(inner == 1.0)
        par.run(lambda lo, hi: None, par.blocks(1000, 1), 2)  # the team still works


def test_thread_team_serves_concurrent_callers():
    # Two Python threads training at once (joblib's threading backend, Dask threads):
    # one gets the team, the other runs its blocks itself; both get every block once.
    import threading

    _two_threads()  # skips with fewer than 2 numba threads
    errors = []

    def caller(seed):
        try:
            with _two_threads():
                for _ in range(100):
                    hits = np.zeros(512, dtype=np.int64)
                    par.run(lambda lo, hi, h=hits: h.__setitem__(slice(lo, hi), h[lo:hi] + 1),
                            par.blocks(512, 1), 2)
                    assert np.all(hits == 1)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def test_fast_log2_matches_numpy():
    from sklearn_infomorph._engine._fast_math import fast_log2

    x = np.concatenate([np.geomspace(1e-320, 1e300, 5000), np.linspace(0.5, 2.0, 2001)])
    got = np.array([fast_log2(v) for v in x])
    np.testing.assert_allclose(got, np.log2(x), rtol=1e-15, atol=1e-15)
    assert fast_log2(0.0) == -np.inf and fast_log2(np.inf) == np.inf
    assert np.isnan(fast_log2(-1.0)) and np.isnan(fast_log2(np.nan))


# -- no hidden passes over the data ----------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("method", ["fit", "partial_fit", "verbose"])
def test_fit_adds_no_pass_over_the_data(digits, method, monkeypatch, capsys):
    # Readout inversion, PID records, verbose accuracy and the finiteness check come
    # from the epochs themselves: no full prediction pass, no evaluation-only batch.
    from sklearn_infomorph._engine import _network

    X_train, _, y_train, _ = digits
    calls = {"predict": 0, "evaluate": 0, "learn": 0}
    readout_outputs, train_batch = _network.Network.readout_outputs, _network.Network.train_batch

    def spy_predict(self, x):
        calls["predict"] += 1
        return readout_outputs(self, x)

    def spy_train(self, *args, update=True, **kwargs):
        calls["learn" if update else "evaluate"] += 1
        return train_batch(self, *args, update=update, **kwargs)

    monkeypatch.setattr(_network.Network, "readout_outputs", spy_predict)
    monkeypatch.setattr(_network.Network, "train_batch", spy_train)
    clf = InfomorphicClassifier(hidden_layer_sizes=(20,), max_iter=2, batch_size=128,
                                random_state=0, verbose=method == "verbose")
    if method == "partial_fit":
        clf.partial_fit(X_train, y_train, classes=np.unique(y_train))
    else:
        clf.fit(X_train, y_train)
    batches = -(-len(X_train) // 128) * (1 if method == "partial_fit" else 2)
    # One prediction call, on at most CALIBRATION_ROWS training rows: the readout
    # calibration needs the readout as it predicts (the inversion comes from the
    # epochs' own readout outputs).
    assert calls == {"predict": 1, "evaluate": 0, "learn": batches}
    if method == "verbose":
        assert "training accuracy=" in capsys.readouterr().out
    # The records are the last epoch's; the model predicts (and is finite).
    history = clf.pid_history_
    last = history[history.epoch == history.epoch.max()]
    atoms = clf.pid_atoms_.stack(future_stack=True).dropna()
    np.testing.assert_array_equal(np.sort(atoms.to_numpy()), np.sort(last.bits.to_numpy()))
    assert np.isfinite(clf.predict_proba(X_train)).all()


@pytest.mark.short_fit
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_outputs_proved_finite_from_the_weights(digits):
    X_train, _, y_train, _ = digits
    for sources in ("FC", "FL", "FCL"):
        clf = InfomorphicClassifier(hidden_layer_sizes=(8,), sources=sources, max_iter=1,
                                    random_state=0).fit(X_train, y_train)
        net = clf._network
        assert net.outputs_surely_finite(np.abs(X_train).max())
        # Too large to prove (here the outputs would still be finite: only a proof).
        assert not net.outputs_surely_finite(1e300)
        net.layers[-1].params["W_F"][0, 0] = np.nan
        assert not net.outputs_surely_finite(1.0)


def test_gathered_float32_rows_and_maximum():
    from scipy import sparse

    from sklearn_infomorph._engine._float32 import gather_float32, max_abs

    rng = np.random.default_rng(0)
    X = rng.normal(size=(6000, 70))  # batches above the size from which threads are used
    X[1234, 5] = -11.5
    rows = rng.permutation(6000)[:4000]
    for data in (X, X.astype(np.float32), np.asfortranarray(X), X[:, :3]):
        batch, top = gather_float32(data, rows)
        assert batch.dtype == np.float32 and batch.flags.c_contiguous
        np.testing.assert_array_equal(batch, np.asarray(data, dtype=np.float32)[rows])
        assert top == np.abs(np.asarray(data)[rows]).max()
        assert max_abs(data) == np.abs(data).max()
    assert gather_float32(X, rows[rows != 1234])[1] < 11.5  # only the gathered rows count
    assert max_abs(sparse.csr_matrix(X)) == 11.5 and max_abs(X[:0]) == 0.0
    X[7, 7] = np.nan
    assert np.isnan(max_abs(X)) and np.isnan(gather_float32(X, [3, 7])[1])


@pytest.mark.short_fit
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float32_input_trains_without_a_float64_copy():
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 100)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = dict(hidden_layer_sizes=(10,), max_iter=1, batch_size=1000, random_state=0,
                  n_jobs=1)
    wide = InfomorphicClassifier(**params).fit(X.astype(np.float64), y)
    InfomorphicClassifier(**params).fit(X[:2000], y[:2000])  # compile outside the trace
    tracemalloc.start()
    try:
        narrow = InfomorphicClassifier(**params).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes  # a float64 copy alone would take 2 X.nbytes
    for a, b in zip(wide.coefs_ + wide.intercepts_, narrow.coefs_ + narrow.intercepts_):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(wide.predict_proba(X), narrow.predict_proba(X))
