"""
==========================================
PID of logic gates: what the atoms measure
==========================================

Before reading the atoms of trained neurons, it helps to see the partial information
decomposition (PID) on cases where we know the answer. Two fair, independent input bits
``A`` and ``B`` feed a logic gate; :func:`~sklearn_infomorph.isx_pid` splits the
information the gate's output carries about its inputs into four atoms:

* redundancy ``{A}{B}``: information available from either input alone;
* unique information ``{A}`` and ``{B}``: available from one input only;
* synergy ``{AB}``: available only from both inputs together.

The library uses the I^sx measure of the infomorphic neuron papers. Its atoms may be
negative ("misinformation"); the user guide page on PID explains why XOR does not come
out as pure synergy under this measure.
"""

# %%
# Two-input gates
# ---------------
# Each gate is evaluated on its four equally likely input pairs, given as samples.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_infomorph import isx_pid, redundancy_lattice

a = np.array([0, 0, 1, 1])
b = np.array([0, 1, 0, 1])
gates = {
    "identical (T = A = B)": (a, a, a),
    "COPY A (B ignored)": (a, a, b),
    "XOR": (a ^ b, a, b),
    "AND": (a & b, a, b),
    "OR": (a | b, a, b),
    "pair (T = 2A + B)": (2 * a + b, a, b),
}
table = pd.DataFrame({
    name: isx_pid(target=t, sources=[s1, s2], source_names="AB")
    for name, (t, s1, s2) in gates.items()
}).T
print((table.round(3) + 0.0).to_string())

# %%
# AND and OR have the same decomposition: OR is AND with every value relabelled
# (``a or b = not (not a and not b)``), and relabelling values never changes
# information.

# %%
# Check the bookkeeping: redundancy plus the unique information of a source is that
# source's mutual information with the output, and all four atoms add up to the joint
# mutual information ``MI``.
assert np.allclose(table["{A}{B}"] + table["{A}"], table["MI_A"])
assert np.allclose(table["{A}{B}"] + table["{B}"], table["MI_B"])
assert np.allclose(table[["{A}{B}", "{A}", "{B}", "{AB}"]].sum(axis=1), table["MI"])

# %%
# The atoms as bar charts. The grey bar is the joint mutual information that the four
# atoms share out. Identical copies are pure redundancy. XOR has no information in
# either input alone (``MI_A = MI_B = 0``) and one bit in the pair; I^sx reports it as
# negative redundancy balanced by unique information, plus 0.415 bits of synergy.
atoms = ["{A}{B}", "{A}", "{B}", "{AB}"]
labels = ["red", "unq A", "unq B", "syn", "MI"]
colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "0.6"]
fig, axes = plt.subplots(2, 3, figsize=(9, 5.5), sharey=True)
for ax, (name, row) in zip(axes.ravel(), table.iterrows()):
    values = row[atoms + ["MI"]].to_numpy(dtype=float)
    ax.bar(labels, values, color=colors)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_title(name, fontsize=10)
    ax.tick_params(axis="x", labelsize=8)
for ax in axes[:, 0]:
    ax.set_ylabel("bits")
fig.suptitle("I^sx partial information decomposition of two-input gates")
fig.tight_layout()

# %%
# Probability tables work too
# ---------------------------
# Instead of samples, pass a table ``p[t, a, b]``. A noisy copy: the output equals
# ``A`` with probability 0.9, and ``B`` is an independent fair bit.
p = np.zeros((2, 2, 2))
for t in range(2):
    for x in range(2):
        for y in range(2):
            p[t, x, y] = 0.25 * (0.9 if t == x else 0.1)
noisy_copy = isx_pid(p, source_names="AB")
print((noisy_copy.round(3) + 0.0).to_string())

# %%
# Three inputs: 18 atoms
# ----------------------
# With three sources the lattice has 18 atoms (the infomorphic neurons with sources
# F, C and L use this one). Three-bit parity, ``T = A xor B xor C``, carries no
# information about any single input or any pair of inputs, only about all three
# together; as with XOR, I^sx spreads that bit over many positive and negative atoms.
# A majority vote, by contrast, tells something about every input.
lattice = redundancy_lattice(3, "ABC")
bits = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)])
A, B, C = bits.T
three = pd.DataFrame({
    "parity": isx_pid(target=A ^ B ^ C, sources=[A, B, C], source_names="ABC"),
    "majority": isx_pid(target=(A + B + C >= 2).astype(int), sources=[A, B, C],
                        source_names="ABC"),
})
fig, ax = plt.subplots(figsize=(9, 3.6))
three.loc[lattice.names].plot.bar(ax=ax, width=0.8)
ax.axhline(0, color="k", lw=0.8)
ax.set_ylabel("bits")
ax.set_title("Three-input gates: atoms in lattice order")
fig.tight_layout()
mi_pairs = {
    name: [round(float(isx_pid(target=t, sources=[A, B, C], source_names="ABC")[k]), 3)
           for k in ("MI_AB", "MI_AC", "MI_BC")]
    for name, t in {"parity": A ^ B ^ C, "majority": (A + B + C >= 2).astype(int)}.items()
}
print("mutual information with each pair of inputs:", mi_pairs)
print((three.loc[lattice.names + ["MI"]].round(3) + 0.0).to_string())
plt.show()
