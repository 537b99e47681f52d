"""
==================================================
Searching goal weights: redundancy versus synergy
==================================================

The goal of an infomorphic neuron is a weighted sum of the atoms of the partial
information decomposition (PID) of its output. With the feedforward input F and the
label as context C, the two-source PID has four atoms: the redundancy ``{F}{C}``
(``red``, information the input shares with the label), the unique informations
``{F}`` and ``{C}`` and the synergy ``{FC}`` (``syn``). The weights are ordinary
nested hyperparameters (``goal__red``, ``goal__syn``), so scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` tunes them like any other.

We search a grid of redundancy and synergy weights on the 8x8 digits, starting from
the ``"context_heuristic"`` preset (``red=1``), record the mean atoms of the fitted
hidden layers next to the accuracy with the atom scorers of
:mod:`sklearn_infomorph.metrics`, draw the cross-validated accuracy as a heatmap and
look at the atoms of the best model.
"""

# %%
# The search
# ----------
# ``make_atom_scorers`` gives scorers that read the mean atoms of each fitted model
# (on its training split); with ``refit="accuracy"`` the search still picks the
# model by accuracy.
import time
import warnings

import matplotlib

matplotlib.use("Agg")  # headless (sphinx-gallery captures the figures either way)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import AtomsDisplay, InfomorphicClassifier
from sklearn_infomorph.metrics import make_atom_scorers

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)

model = make_pipeline(
    StandardScaler(),
    InfomorphicClassifier(
        hidden_layer_sizes=(32,), sources="FC", goal="context_heuristic",
        batch_size=128, max_iter=20, random_state=0,
        n_jobs=1,  # small fits gain nothing from more threads
    ),
)
red_weights = [0.0, 0.25, 0.5, 0.75, 1.0]
syn_weights = [-0.5, -0.25, 0.0, 0.25, 0.5]
grid = {
    "infomorphicclassifier__goal__red": red_weights,
    "infomorphicclassifier__goal__syn": syn_weights,
}
scoring = {"accuracy": "accuracy", **make_atom_scorers(["red", "unq_F", "syn"])}
search = GridSearchCV(
    model, grid, scoring=scoring, refit="accuracy", cv=StratifiedKFold(3), n_jobs=1
)
start = time.perf_counter()
search.fit(X, y)
print(f"{len(search.cv_results_['params'])} candidates x 3 folds in "
      f"{time.perf_counter() - start:.1f} s")
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# %%
# ``cv_results_`` holds the atoms next to the accuracy, one row per candidate:
results = pd.DataFrame(search.cv_results_)
table = results[[
    "param_infomorphicclassifier__goal__red", "param_infomorphicclassifier__goal__syn",
    "mean_test_accuracy", "mean_test_pid_red", "mean_test_pid_unq_F", "mean_test_pid_syn",
]].rename(columns=lambda c: c.replace("param_infomorphicclassifier__goal__", "weight_")
          .replace("mean_test_", ""))
print(table.sort_values("accuracy", ascending=False).head(8).round(3).to_string(index=False))

# %%
# Accuracy over the grid
# ----------------------
# Rows are redundancy weights, columns synergy weights (ParameterGrid varies the last
# key fastest).
accuracy = results["mean_test_accuracy"].to_numpy().reshape(len(red_weights), len(syn_weights))
redundancy = results["mean_test_pid_red"].to_numpy().reshape(accuracy.shape)

fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for ax, values, title, cmap in (
    (axes[0], accuracy, "cross-validated accuracy", "viridis"),
    (axes[1], redundancy, "mean redundancy {F}{C} of the hidden neurons (bits)", "magma"),
):
    image = ax.imshow(values, cmap=cmap, origin="lower")
    ax.set_xticks(range(len(syn_weights)), [str(w) for w in syn_weights])
    ax.set_yticks(range(len(red_weights)), [str(w) for w in red_weights])
    ax.set_xlabel("synergy weight (goal__syn)")
    ax.set_ylabel("redundancy weight (goal__red)")
    ax.set_title(title, fontsize="medium")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="small",
                color="white" if v < values.mean() else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)

# %%
# The bottom rows show what the redundancy term does: without a reward for the
# information the input shares with the label, the hidden neurons have nothing that
# ties them to the classes, and the accuracy of the readout falls with the
# redundancy they carry (right panel).
#
# The atoms of the best model
# ---------------------------
# The refitted best model's hidden neurons, grouped by their dominant atom; bars
# below zero are negative atoms (misinformation, allowed in the I^sx PID).
best = search.best_estimator_[-1]
display = AtomsDisplay.from_estimator(best, layer="hidden_0")
display.figure_.set_size_inches(10, 4)
display.figure_.set_layout_engine("constrained")
plt.show()
