"""
========================================================
Infomorphic features in a pipeline: receptive fields
========================================================

An :class:`~sklearn_infomorph.InfomorphicTransformer` is a layer of infomorphic
neurons used as a feature extractor. Here it is unsupervised: each neuron sees the
pixels (feedforward source F) and the other neurons of the layer (lateral source
L) and maximises the heuristic lateral goal of the papers: the *unique*
information its binary output carries about the pixels, i.e. the part that the
other neurons do not carry (the ``{F}`` atom of the partial information
decomposition). This pushes the neurons to specialise on different aspects of
the input. No labels are used to learn the features; a
:class:`~sklearn.linear_model.LogisticRegression` reads them out.

We cross-validate ``StandardScaler -> InfomorphicTransformer -> LogisticRegression``
on the 8x8 digits, compare it with the logistic regression on the pixels, and show
what the neurons learned: their feedforward weights drawn as 8x8 images.
"""

# %%
# Cross-validated pipeline
# ------------------------
import time
import warnings

import matplotlib

matplotlib.use("Agg")  # headless (sphinx-gallery captures the figures either way)
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicTransformer

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)

features = InfomorphicTransformer(
    n_neurons=48, sources="FL", goal="lateral_heuristic", batch_size=128, max_iter=20,
    random_state=0,
)
pipe = make_pipeline(StandardScaler(), features, LogisticRegression(max_iter=2000))
start = time.perf_counter()
scores = cross_val_score(pipe, X, y, cv=3)
seconds = time.perf_counter() - start
pixels = cross_val_score(
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)), X, y, cv=3
)
print(f"infomorphic features (48) + logistic: {scores.mean():.3f} +- {scores.std():.3f} "
      f"({seconds:.1f} s for 3 folds)")
print(f"pixels (64) + logistic:               {pixels.mean():.3f} +- {pixels.std():.3f}")

# %%
# What the neurons learned
# ------------------------
# Refit on all digits. ``coefs_[0]["F"]`` holds one column of feedforward weights
# per neuron: its receptive field. The PID records tell how each neuron's output
# splits its information between the pixels and the rest of the layer.
pipe.fit(X, y)
layer = pipe.named_steps["infomorphictransformer"]
fields = layer.coefs_[0]["F"]  # (64 pixels, 48 neurons)
atoms = layer.pid_atoms_.loc["hidden_0"]

fig, axes = plt.subplots(6, 8, figsize=(8, 6.6))
for k, ax in enumerate(axes.ravel()):
    field = fields[:, k].reshape(8, 8)
    limit = np.abs(field).max()
    ax.imshow(field, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"{atoms['{F}'].iloc[k]:.2f}", fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Receptive fields (F weights); title: unique information of F, bits")
fig.tight_layout()

# %%
# Learning curves
# ---------------
# The goal is the ``{F}`` atom itself, so the two curves coincide; the other atoms
# show how the rest of each neuron's information splits between redundancy with
# the layer (``{F}{L}``), unique lateral information (``{L}``) and synergy
# (``{FL}``). Try ``goal="lateral_optimised"``, the published optimised lateral
# goal, to see a different trade-off.
history = layer.pid_history_
per_epoch = history.groupby(["epoch", "atom"]).bits.mean().unstack()
fig2, ax = plt.subplots(figsize=(5, 3.2))
epochs = per_epoch.index.to_numpy()
ax.plot(epochs, layer.goal_curve_[:, 0], "k", lw=3, alpha=0.3, label="goal")
for atom in ("{F}", "{F}{L}", "{L}", "{FL}"):
    ax.plot(epochs, per_epoch[atom].to_numpy(), label=atom)
ax.set_xlabel("epoch")
ax.set_ylabel("bits (mean per neuron)")
ax.legend(fontsize=7)
fig2.tight_layout()
print(per_epoch[["{F}", "{F}{L}", "{L}", "{FL}", "MI"]].iloc[[0, -1]].round(3).to_string())
plt.show()
