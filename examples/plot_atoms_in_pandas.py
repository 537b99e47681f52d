"""
==================================================
Reading the neurons: PID atoms in pandas and plots
==================================================

Every fitted infomorphic estimator records, for each neuron, how the information its
output carries about its sources splits into the atoms of the partial information
decomposition: ``pid_atoms_`` after training (one row per neuron) and
``pid_history_`` during training (tidy: one row per epoch, neuron and atom). Both are
plain pandas DataFrames, so the analyses of the infomorphic papers are a few
``groupby`` calls; :mod:`sklearn_infomorph.atoms` has them ready-made, and
:class:`~sklearn_infomorph.AtomsDisplay` / :class:`~sklearn_infomorph.AtomHistoryDisplay`
draw them.

We train a trivariate network (sources: feedforward F, the label as context C and
the other neurons of the layer, lateral L) on the 8x8 digits.
"""

# %%
# Train
# -----
import warnings

import matplotlib

matplotlib.use("Agg")  # headless (sphinx-gallery captures the figures either way)
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import AtomHistoryDisplay, AtomsDisplay, InfomorphicClassifier
from sklearn_infomorph.atoms import (
    describe_atom,
    dominant_atom,
    group_by_dominant_atom,
    layer_atoms,
    layer_means,
)

warnings.filterwarnings("ignore", category=ConvergenceWarning)
pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 12)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
clf = InfomorphicClassifier(
    hidden_layer_sizes=(32,), sources="FCL", goal="trivariate_optimised",
    batch_size=128, max_iter=30, random_state=0, n_jobs=1,
).fit(scaler.transform(X_train), y_train)
print(f"test accuracy: {clf.score(scaler.transform(X_test), y_test):.3f}")

# %%
# Atoms per neuron
# ----------------
# ``pid_atoms_`` is indexed by (layer, neuron). The hidden neurons have the 18 atoms
# of three sources, the readout neurons the 4 atoms of two (F = hidden layer,
# C = own class): atoms outside a layer's lattice are NaN.
atoms = clf.pid_atoms_
print(atoms.shape)
print(atoms.loc["readout", ["{F}{C}", "{F}", "{C}", "{FC}", "H_res", "MI"]].head().round(3))

# %%
# Mean per layer, the largest atoms first, with their names in plain words:
means = layer_means(clf).loc["hidden_0"]
top = means.filter(like="{").sort_values(ascending=False).head(6)
print(pd.DataFrame({"bits": top.round(4), "meaning": [describe_atom(a) for a in top.index]}))

# %%
# Groups of neurons by dominant atom
# ----------------------------------
# ``dominant_atom`` is a Series aligned with ``pid_atoms_``: a groupby key.
dominant = dominant_atom(atoms)
summary = atoms.groupby(["layer", dominant], sort=False)[["MI", "H_res"]].agg(["count", "mean"])
print(summary.round(3))

# %%
# The same for one layer, with the neuron ids of each group:
print(group_by_dominant_atom(clf, "hidden_0").round(3).to_string())

# %%
# History per epoch
# -----------------
# ``pid_history_`` is tidy. Mean information about each source over the hidden
# neurons, per epoch, in one groupby:
history = clf.pid_history_
hidden = history[history.layer == "hidden_0"]
mi = hidden[hidden.atom.isin(["MI_F", "MI_C", "MI_L", "MI"])]
print(mi.groupby(["epoch", "atom"]).bits.mean().unstack("atom").iloc[[0, 4, 9, 19, 29]].round(3))

# %%
# Plots
# -----
# Per-neuron atoms of the hidden layer as a heatmap (neurons sorted by dominant atom),
# the readout as stacked bars, and the mean atoms of the hidden layer per epoch.
fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
AtomsDisplay.from_estimator(clf, layer="hidden_0", kind="heatmap", ax=ax)

fig, ax = plt.subplots(figsize=(10, 3.5), layout="constrained")
AtomsDisplay.from_estimator(clf, layer="readout", ax=ax)

fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
largest = list(layer_atoms(clf).abs().mean().sort_values(ascending=False).index[:6])
AtomHistoryDisplay.from_estimator(clf, atoms=largest, ax=ax)
plt.show()
