"""Start-up costs: import, first fit with an empty numba cache, first fit with a warm one.

Usage::

    python benchmarks/bench_startup.py            # all rows (about 1 minute)
    python benchmarks/bench_startup.py --quick    # without the read-only install rows

Every measurement runs in a fresh Python process with its own empty temporary
``NUMBA_CACHE_DIR``:

* ``import sklearn_infomorph`` and its estimators after ``import sklearn.base``
  (target: adds <= 0.1 s; numba is imported by the first fit, not by the import),
  and how many numba kernels are compiled right after it (target: none);
* the first ``fit`` of ``InfomorphicClassifier(random_state=0)`` (defaults: F+C+L,
  100 hidden neurons, up to 100 epochs) on scikit-learn's standardised digits with
  the cache empty (compilation included, target <= 10 s), then in a new process
  with the cache filled by the first (target <= 1 s);
* a read-only install: the package copied to a folder the process cannot write to
  and ``NUMBA_CACHE_DIR`` unset. numba then caches in the user cache directory
  (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``); the rows show that the first
  process fills it and the second loads from it. As root, the processes run as
  user ``nobody`` (``setpriv``) so that the folder is really read-only to them.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

import sklearn_infomorph

import _common

_IMPORT = """
import time
t = time.perf_counter()
import sklearn.base
base = time.perf_counter() - t
t = time.perf_counter()
import sklearn_infomorph
from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
seconds = time.perf_counter() - t
import sys
numba_loaded = int("numba" in sys.modules)
from numba.core.registry import CPUDispatcher
compiled = sum(
    len(obj.signatures)
    for name, module in list(sys.modules.items()) if name.startswith("sklearn_infomorph")
    for obj in vars(module).values() if isinstance(obj, CPUDispatcher)
)
print(base, seconds, compiled, numba_loaded)
"""

_FIT = """
import time
t0 = time.perf_counter()
import warnings
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from sklearn_infomorph import InfomorphicClassifier
import sklearn_infomorph
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
warnings.simplefilter("ignore")
t = time.perf_counter()
clf = InfomorphicClassifier(random_state=0).fit(X, y)
fit = time.perf_counter() - t
print(fit, time.perf_counter() - t0, clf.n_iter_, sklearn_infomorph.__file__)
"""


def run(code, env, user=None):
    cmd = [sys.executable, "-c", code]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + cmd
    # cwd elsewhere: python -c puts the working directory first on sys.path.
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if out.returncode != 0:
        raise RuntimeError(f"subprocess failed:\n{out.stderr[-3000:]}")
    return out.stdout.split()


def count_cache_files(folder):
    return sum(name.endswith(".nbc") for _, _, files in os.walk(folder) for name in files)


def main():
    parser = _common.parser(__doc__, "bench_startup")
    parser.add_argument("--quick", action="store_true", help="skip the read-only install rows")
    args = parser.parse_args()
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(tmp, "cache"))
        base, seconds, compiled, numba_loaded = run(_IMPORT, env)
        rows.append(("import sklearn.base (scikit-learn, pandas, scipy; for reference)",
                     float(base), None))
        rows.append(("import sklearn_infomorph and its estimators, after sklearn.base "
                     f"(numba imported: {'yes' if int(numba_loaded) else 'no'})",
                     float(seconds), 0.1))
        rows.append(("numba kernels compiled by the import", int(compiled), 0))
        cold = run(_FIT, env)
        rows.append((f"first fit on digits, empty cache ({cold[2]} epochs)", float(cold[0]), 10.0))
        rows.append(("  whole process from start (imports, data, fit)", float(cold[1]), None))
        warm = run(_FIT, env)
        rows.append(("first fit on digits, warm cache", float(warm[0]), 1.0))
        rows.append(("  whole process from start (imports, data, fit)", float(warm[1]), None))
        if not args.quick:
            rows.extend(read_only_rows(tmp))
    print("| measurement (fresh process each) | value | target | met |")
    print("|---|---|---|---|")
    misses = 0
    for name, value, target in rows:
        if target is None:
            print(f"| {name} | {value:.2f} s | | |")
            continue
        met = value <= target
        misses += not met
        unit = " s" if isinstance(value, float) else ""
        shown = f"{value:.2f}{unit}" if isinstance(value, float) else str(value)
        print(f"| {name} | {shown} | <= {target}{unit} | {'yes' if met else 'no'} |")
    print(f"summary: {sum(t is not None for _, _, t in rows) - misses} of "
          f"{sum(t is not None for _, _, t in rows)} start-up targets met")
    _common.write_results(args.out, "bench_startup", args, [
        {"measurement": name, "value": value, "target": target} for name, value, target in rows
    ], machine)


def read_only_rows(tmp):
    """Fit twice from a read-only copy of the package, NUMBA_CACHE_DIR unset."""
    user = None
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            return [("read-only install: skipped (root without setpriv)", 0.0, None)]
        user = 65534  # nobody
    site = os.path.join(tmp, "site")
    package = os.path.dirname(sklearn_infomorph.__file__)
    shutil.copytree(package, os.path.join(site, "sklearn_infomorph"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    for root, dirs, files in os.walk(site):
        os.chmod(root, 0o555)
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
    os.chmod(tmp, 0o755)
    if user is not None:
        os.chown(home, user, user)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=site, HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"),
               PYTHONDONTWRITEBYTECODE="1")
    first = run(_FIT, env, user)
    if not first[3].startswith(site):
        raise RuntimeError(f"the read-only copy was not imported: {first[3]}")
    cached = count_cache_files(os.path.join(home, ".cache"))
    in_tree = count_cache_files(site)
    second = run(_FIT, env, user)
    for root, dirs, _ in os.walk(site):
        os.chmod(root, 0o755)
    return [
        (f"read-only install, first fit ({cached} kernels cached in the user cache "
         f"dir, {in_tree} in the package)", float(first[0]), 10.0),
        ("read-only install, second process fit (loads the user cache)", float(second[0]), 1.0),
    ]


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"(benchmark ran {time.perf_counter() - t:.0f} s)")
