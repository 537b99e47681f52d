"""
===================================================
Quickstart: an infomorphic classifier on the digits
===================================================

Train an :class:`~sklearn_infomorph.InfomorphicClassifier` on scikit-learn's 8x8
digits, measure its accuracy next to two familiar baselines, and look at what the
neurons learned to encode: the partial information decomposition (PID) atoms of each
neuron, in bits.

The hidden neurons see three sources: the pixels (feedforward ``F``), the one-hot
label during training (context ``C``) and the other hidden neurons (lateral ``L``).
Each maximises the published *trivariate optimised* goal, a weighted sum of its 18 PID
atoms. The readout has one neuron per digit. No error is backpropagated.
"""

# %%
# Train and score
# ---------------
# Scale the pixels as for any neural network, then fit like an MLPClassifier.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y
)

clf = make_pipeline(
    StandardScaler(),
    InfomorphicClassifier(hidden_layer_sizes=(100,), sources="FCL", batch_size=128,
                          max_iter=40, random_state=0),
)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start

baselines = {
    "LogisticRegression": LogisticRegression(max_iter=2000),
    "MLPClassifier (100 hidden, backprop)": MLPClassifier((100,), max_iter=300,
                                                         random_state=0),
}
scores = {"InfomorphicClassifier (100 hidden)": clf.score(X_test, y_test)}
for name, model in baselines.items():
    scores[name] = make_pipeline(StandardScaler(), model).fit(X_train, y_train).score(
        X_test, y_test
    )
print(f"InfomorphicClassifier fit: {seconds:.1f} s")
print(pd.Series(scores, name="test accuracy").round(3).to_string())

# %%
# The goal rises during training
# ------------------------------
# ``goal_curve_`` holds the mean goal per neuron for each epoch and layer, in bits:
# the counterpart of MLPClassifier's ``loss_curve_``, but each layer has its own goal,
# so the two curves are not on a common scale.
model = clf[-1]
fig, ax = plt.subplots(figsize=(5, 3.2))
for k, name in enumerate(model.layer_names_):
    ax.plot(np.arange(1, model.n_iter_ + 1), model.goal_curve_[:, k], label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("mean goal per neuron (bits)")
ax.legend()
fig.tight_layout()

# %%
# What the hidden neurons encode
# ------------------------------
# ``pid_atoms_`` has one row per neuron (index: layer, neuron). A layer's row holds NaN
# for atoms of another layer's lattice, so select the layer and drop those columns.
atoms = model.pid_atoms_
hidden = atoms.loc["hidden_0"].dropna(axis=1)
print(hidden.iloc[:5, :8].round(3).to_string())

# %%
# The mean of each atom over the hidden neurons. ``{F}`` is information about the
# output that only the pixels provide, ``{F}{C}{L}`` information that all three sources
# provide, ``{F}{C}`` what pixels and label share but the neighbours do not. Atoms in
# red are negative (misinformation, see the logic gates example). Below the chart:
# the mutual information of the output with each source (``MI_F``, ``MI_C``, ``MI_L``)
# and with all of them (``MI``), the randomness left unexplained (``H_res``) and the
# output entropy (``H_T``), averaged over the neurons.
atom_names = [c for c in hidden.columns if c.startswith("{")]
means = hidden[atom_names].mean().sort_values()
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.barh(means.index, means.to_numpy(), color=np.where(means >= 0, "tab:blue", "tab:red"))
ax.axvline(0, color="k", lw=0.8)
ax.set_xlabel("bits (mean over 100 hidden neurons)")
ax.set_title("PID atoms of the hidden layer")
fig.tight_layout()
print(hidden[["MI_F", "MI_C", "MI_L", "MI", "H_res", "H_T"]].mean().round(3).to_string())

# %%
# The readout neurons
# -------------------
# One neuron per digit, with two sources: the hidden layer (``F``) and its own class's
# label (``C``). Their goal rewards redundancy, information about the label that the
# hidden layer also carries; that is what makes them usable as class detectors.
readout = atoms.loc["readout"].dropna(axis=1)
readout.index = [f"digit {d}" for d in model.classes_]
print(readout.round(3).to_string())

fig, ax = plt.subplots(figsize=(7, 3.4))
names = {"{F}{C}": "redundancy {F}{C}", "{F}": "unique {F}", "{C}": "unique {C}",
         "{FC}": "synergy {FC}"}
readout[list(names)].rename(columns=names).plot.bar(ax=ax, width=0.8, rot=0)
ax.axhline(0, color="k", lw=0.8)
ax.set_ylabel("bits")
ax.set_title("Atoms of the readout neurons")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
ax.tick_params(axis="x", labelsize=8)
fig.tight_layout()
plt.show()
