"""
======================================================
Associative memory: storing and recalling digit images
======================================================

A Hopfield network stores binary patterns in its recurrent weights and recalls a
stored pattern from a corrupted cue by running its dynamics to a fixed point. The
classical Hebbian rule (:class:`~sklearn_infomorph.HebbianAssociativeMemory`) stores
about 0.14 random patterns per neuron. In
:class:`~sklearn_infomorph.InfomorphicAssociativeMemory` every neuron instead learns
its recurrent weights with a local goal: the *redundancy* between its own bit of the
external pattern and its recurrent input, so that the other neurons come to predict
its bit. On random patterns this stores about ten times more (see
``benchmarks/memory_capacity.py``). Its defaults follow the authors' published
protocol: training stops once the stored patterns are recalled.

Here the patterns are thresholded 8x8 digits: 64 neurons, one per pixel. Digit images
are strongly correlated (all of them share the dark border, many share strokes), which
is much harder for the Hebbian rule than random patterns.
"""

# %%
# Binary digit images
# -------------------
# Pixels of at least 8 (of 16) are on. The memories take 0/1 patterns (or -1/+1) and
# give recalled patterns back in the same values.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_infomorph import HebbianAssociativeMemory, InfomorphicAssociativeMemory

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
images = (X >= 8).astype(float)  # (1797, 64) of 0/1

# One image of each digit: 10 patterns for 64 neurons (a load of 0.16).
first = [np.flatnonzero(y == d)[0] for d in range(10)]
stored = images[first]

infomorphic = InfomorphicAssociativeMemory(random_state=0).fit(stored)
hebbian = HebbianAssociativeMemory().fit(stored)
print(f"infomorphic: {infomorphic.n_iter_} epochs in {infomorphic.fit_time_:.2f} s")
for name, memory in [("infomorphic", infomorphic), ("Hebbian", hebbian)]:
    print(f"{name:>12}: recall score from the clean images (mean cosine "
          f"similarity): {memory.score(stored):.3f}")

# %%
# Recall from corrupted cues
# --------------------------
# Two kinds of cue: 10 % of the pixels flipped, and the lower two rows unknown
# (0.5, half way between off and on). Recall runs synchronous updates until the state
# stops changing. Pixels that are off in all ten stored images (the border) carry
# nothing to learn; the infomorphic memory keeps them off in recall.
def flip_pixels(images, fraction, seed):
    """Copy of 0/1 images with ``fraction`` of the pixels of each image flipped."""
    rng = np.random.default_rng(seed)
    flipped = images.copy()
    n_flip = int(round(fraction * images.shape[1]))
    for row in flipped:
        idx = rng.choice(images.shape[1], n_flip, replace=False)
        row[idx] = 1 - row[idx]
    return flipped


noisy = flip_pixels(stored, 0.1, seed=0)
occluded = stored.copy()
occluded[:, 48:] = 0.5

rows = [
    ("stored", stored),
    ("10 % flipped", noisy),
    ("infomorphic", infomorphic.transform(noisy)),
    ("Hebbian", hebbian.transform(noisy)),
    ("occluded", occluded),
    ("infomorphic", infomorphic.transform(occluded)),
    ("Hebbian", hebbian.transform(occluded)),
]
fig, axes = plt.subplots(len(rows), 10, figsize=(8, 6.2))
for r, (label, data) in enumerate(rows):
    for c in range(10):
        ax = axes[r, c]
        ax.imshow(data[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
fig.suptitle("Cues and recalled images (one stored image per digit)")
fig.tight_layout()

for name, memory in [("infomorphic", infomorphic), ("Hebbian", hebbian)]:
    print(
        f"{name:>12}: share of images recalled (cosine >= 0.95) from 10 % flipped "
        f"pixels {memory.score(stored, cues=noisy, criterion='share_recalled'):.0%}, "
        f"from occluded images "
        f"{memory.score(stored, cues=occluded, criterion='share_recalled'):.0%}"
    )

# %%
# Noisy cues against load
# -----------------------
# Random patterns on 50 neurons, stored at growing loads (patterns per neuron). For
# each memory and load: the largest share of flipped bits from which the stored
# patterns are still recalled, in the recall score of the associative-memory paper
# (mean cosine similarity over the patterns >= 0.95; flipping k bits per cue, k = 1,
# 2, ... up to the first failure). A load not stored even from the clean patterns is
# left out. The Hebbian rule tolerates many flips at small loads and stores nothing
# beyond about 0.15; the infomorphic memory stores about ten times more, but its basins
# of attraction shrink with the load: its goal rewards a recurrent input that predicts
# each bit, not a wide margin. ``benchmarks/memory_capacity.py`` measures this at
# N = 100 over 20 draws.
n_neurons = 50
loads = [0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2]


def largest_flip_share(memory, patterns, rng):
    """Largest share of flipped bits still recalled (None: not stored at all)."""
    last = None
    for k in range(n_neurons // 2 + 1):
        cues = patterns.copy()
        for row in cues:
            idx = rng.choice(n_neurons, k, replace=False)
            row[idx] = -row[idx]
        if memory.score(patterns, cues=cues) < 0.95:
            break
        last = k / n_neurons
    return last


shares = {"infomorphic": [], "Hebbian": []}
rng = np.random.default_rng(0)
for load in loads:
    patterns = rng.choice([-1.0, 1.0], size=(int(load * n_neurons), n_neurons))
    for name, memory in [
        ("infomorphic", InfomorphicAssociativeMemory(random_state=0)),
        ("Hebbian", HebbianAssociativeMemory()),
    ]:
        memory.fit(patterns)
        shares[name].append(largest_flip_share(memory, patterns, rng))

fig, ax = plt.subplots(figsize=(6, 4))
for name, color in [("infomorphic", "tab:blue"), ("Hebbian", "tab:orange")]:
    kept = [(a, s) for a, s in zip(loads, shares[name]) if s is not None]
    ax.plot(*zip(*kept), marker="o", color=color, label=name)
    print(f"{name:>12}: largest share of flipped bits recalled per load: "
          + ", ".join("not stored" if s is None else f"{s:.2f}" for s in shares[name]))
ax.set_xlabel("load (stored patterns per neuron)")
ax.set_ylabel("largest share of flipped bits recalled")
ax.legend()
ax.set_title("Random patterns, N = 50: noisy cues against load")
fig.tight_layout()

# %%
# What the neurons learned
# ------------------------
# Each neuron's PID on the ten stored images of the first section. The redundancy
# ``{F}{L}`` is what the default goal maximises: the share of the neuron's output
# that both its own pixel and the recurrent input predict. Pixels that are off in
# every stored image carry no information: all their atoms are zero.
atoms = infomorphic.pid_atoms_
print(atoms[["{F}{L}", "{F}", "{L}", "{FL}", "H_res"]].describe().round(3))

plt.show()
