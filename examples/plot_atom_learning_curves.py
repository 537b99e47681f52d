"""
====================================
Learning curves of the PID atoms
====================================

A neuron's goal decides which kind of information it comes to carry. This example
makes that visible: the same layer of neurons is trained on the digits with three
different goals, and ``pid_history_`` records every atom of every neuron after every
epoch.

The neurons have two sources, the pixels (feedforward ``F``) and the one-hot label
(context ``C``), so there are four atoms: redundancy ``{F}{C}``, unique information
``{F}`` and ``{C}``, and synergy ``{FC}``. The three goals reward one atom each:

* ``red = 1``: information about the pixels that the label shares (the published
  *context heuristic* goal);
* ``unq_F = 1``: information about the pixels that the label does *not* share;
* ``syn = 1``: information only available from pixels and label together.
"""

# %%
# Train one layer per goal
# ------------------------
# :class:`~sklearn_infomorph.InfomorphicTransformer` with ``sources="FC"`` is a
# single supervised layer; its firing probabilities are the features.
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import Goal, InfomorphicTransformer

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

goals = {
    "redundancy (red = 1)": Goal(red=1.0),
    "unique pixels (unq_F = 1)": Goal(unq_F=1.0),
    "synergy (syn = 1)": Goal(syn=1.0),
}
layers = {}
for name, goal in goals.items():
    layers[name] = InfomorphicTransformer(
        n_neurons=32, sources="FC", goal=goal, batch_size=256, max_iter=25,
        random_state=0,
    ).fit(X_train, y_train)

# %%
# ``pid_history_`` is a long table: one row per epoch, layer, neuron and atom.
history = layers["redundancy (red = 1)"].pid_history_
print(history.head().to_string())

# %%
# Atoms over the epochs
# ---------------------
# For each goal, the mean of each atom over the 32 neurons (line) and the range of the
# middle half of the neurons (band).
#
# * The redundancy goal drives ``{F}{C}`` far above its level under the other goals.
# * The unique and synergy goals end in similar states. Their own atoms grow, but so
#   does redundancy: the atoms are tied together, e.g. redundancy plus ``{F}`` is the
#   information about the pixels, ``MI_F``, which all goals increase.
# * Synergy ``{FC}`` and the unique information of the label ``{C}`` mirror each
#   other. Their sum, ``MI - MI_F``, is what the label adds to the pixels about the
#   output; it stays small, as expected when the activation lets the context only
#   modulate the feedforward drive (``k1 = 0.9``). The negative ``{C}`` is I^sx misinformation,
#   as in the logic gates example.
atoms = {"{F}{C}": "redundancy {F}{C}", "{F}": "unique {F}", "{C}": "unique {C}",
         "{FC}": "synergy {FC}"}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharey=True)
for ax, (name, layer) in zip(axes, layers.items()):
    tidy = layer.pid_history_
    tidy = tidy[tidy.atom.isin(list(atoms))]
    stats = tidy.groupby(["epoch", "atom"]).bits.describe()[["25%", "mean", "75%"]]
    for atom, label in atoms.items():
        curve = stats.xs(atom, level="atom")
        epochs = curve.index.to_numpy()
        ax.plot(epochs, curve["mean"].to_numpy(), label=label)
        ax.fill_between(epochs, curve["25%"].to_numpy(), curve["75%"].to_numpy(), alpha=0.2)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("epoch")
axes[0].set_ylabel("bits per neuron")
axes[-1].legend(fontsize=8)
fig.tight_layout()

# %%
# Where the information ends up
# -----------------------------
# ``pid_atoms_`` holds the atoms after the last epoch. The mutual information with the
# label, ``MI_C``, shows how label-informative each layer's neurons became; a logistic
# regression on the features (computed without labels: the context input is zero at
# transform time) tells whether that information is usable.
rows = {}
for name, layer in layers.items():
    final = layer.pid_atoms_.loc["hidden_0"]
    readout = LogisticRegression(max_iter=2000).fit(layer.transform(X_train), y_train)
    rows[name] = {
        **final[list(atoms) + ["MI_F", "MI_C", "H_res"]].mean().round(3).to_dict(),
        "MI - MI_F": round((final["MI"] - final["MI_F"]).mean(), 3),
        "logistic accuracy": round(readout.score(layer.transform(X_test), y_test), 3),
    }
summary = pd.DataFrame(rows).T
print(summary.to_string())

fig, ax = plt.subplots(figsize=(7, 3.2))
summary[["MI_F", "MI_C"]].rename(
    columns={"MI_F": "about the pixels (MI_F)", "MI_C": "about the label (MI_C)"}
).plot.barh(ax=ax)
ax.set_xlabel("bits per neuron (mean)")
ax.set_title("What the outputs tell, after training")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()
