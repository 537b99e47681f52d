"""sklearn-infomorph demo: the I^sx PID of classic gates, then infomorphic digits.

1. The partial information decomposition of AND, XOR and copy gates.
2. An InfomorphicClassifier (trivariate hidden neurons, published optimised goal)
   on scikit-learn's digits: test accuracy next to LogisticRegression, and the
   PID atoms of a few hidden neurons and of the readout neurons.

Run: python examples/demo.py
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier, isx_pid

pd.set_option("display.width", 140)
pd.set_option("display.max_columns", 30)


def gate_table():
    x1, x2 = (a.ravel() for a in np.meshgrid([0, 1], [0, 1]))
    gates = {"AND": x1 & x2, "XOR": x1 ^ x2, "COPY x1": x1, "OR": x1 | x2}
    rows = {name: isx_pid(target=t, sources=[x1, x2]) for name, t in gates.items()}
    table = pd.DataFrame(rows).T
    table.columns = ["red", "unq_1", "unq_2", "syn"] + list(table.columns[4:])
    return table


def main():
    print("I^sx PID of two-input gates (bits)")
    print(gate_table().round(4).to_string())

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    clf = make_pipeline(
        StandardScaler(),
        InfomorphicClassifier(hidden_layer_sizes=(100,), sources="FCL",
                              batch_size=128, max_iter=60, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    logistic.fit(X_train, y_train)
    print()
    print(f"digits test accuracy: InfomorphicClassifier {clf.score(X_test, y_test):.3f}, "
          f"LogisticRegression {logistic.score(X_test, y_test):.3f}")

    model = clf[-1]
    atoms = model.pid_atoms_
    print("\nPID atoms of the first 5 hidden neurons (bits):")
    hidden = atoms.loc["hidden_0"].dropna(axis=1).head()
    print(hidden.round(3).to_string())
    print("\nPID atoms of the readout neurons, one per digit (bits):")
    print(atoms.loc["readout"].dropna(axis=1).round(3).to_string())


if __name__ == "__main__":
    main()
