"""Size of a saved 784 -> 100 -> 10 MNIST classifier (pickle, joblib, skops) and what a
skops file asks the user to trust.

Usage::

    python benchmarks/persistence_size.py --data DIR [--rows 3000] [--epochs 5]

Fits ``InfomorphicClassifier(hidden_layer_sizes=(100,))`` (defaults otherwise: F+C+L,
calibrated readout; batch 256) on the first ``--rows`` z-scored MNIST training images
for ``--epochs`` epochs, then prints the bytes of ``pickle.dumps`` (highest protocol),
``joblib.dump`` and ``skops.io.dump``, the bytes of the pickled network state and of
the rest (the PID records of every epoch grow with the epochs), the types
``skops.io.get_untrusted_types`` lists, and checks that each loaded copy predicts
identically. Sizes only, no timings.
"""

import io
import pickle
import tempfile
import warnings
from pathlib import Path

import joblib
import numpy as np

from sklearn_infomorph import InfomorphicClassifier

import _common


def main():
    p = _common.parser(__doc__, "persistence_size", data=True)
    p.add_argument("--rows", type=int, default=3000)
    p.add_argument("--epochs", type=int, default=5)
    args = p.parse_args()
    X, y = _common.zscored_mnist_train(args.data)
    X, y = X[:args.rows], y[:args.rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = InfomorphicClassifier(hidden_layer_sizes=(100,), max_iter=args.epochs,
                                    batch_size=256, random_state=0).fit(X, y)
    expected = clf.predict_proba(X[:500])
    state = clf.__getstate__()
    results = {
        "rows": args.rows, "epochs": int(clf.n_iter_),
        "pickle_bytes": len(pickle.dumps(clf, protocol=pickle.HIGHEST_PROTOCOL)),
        "network_state_bytes": len(pickle.dumps(state["_network"], protocol=5)),
        "rest_bytes": len(pickle.dumps({k: v for k, v in state.items() if k != "_network"},
                                       protocol=5)),
    }
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    results["joblib_bytes"] = buffer.getbuffer().nbytes
    copies = [pickle.loads(pickle.dumps(clf)), joblib.load(io.BytesIO(buffer.getvalue()))]
    try:
        import skops.io as sio
    except ImportError:
        sio = None
    if sio is not None:
        path = Path(tempfile.mkdtemp()) / "model.skops"
        sio.dump(clf, path)
        results["skops_bytes"] = path.stat().st_size
        results["skops_untrusted_types"] = sio.get_untrusted_types(file=path)
        copies.append(sio.load(path, trusted=results["skops_untrusted_types"]))
    results["loaded_copies_predict_identically"] = all(
        np.array_equal(c.predict_proba(X[:500]), expected) for c in copies
    )
    for key, value in results.items():
        print(f"{key:34s} {value}")
    print(_common.machine_line())
    _common.write_results(args.out, "persistence_size", args, results)


if __name__ == "__main__":
    main()
