"""Order of the gallery examples: a reading path from first fit to goal tuning.

sphinx-gallery imports this class by name (``within_subsection_order`` in conf.py).
Examples not listed here come after the listed ones, by file name.
"""

READING_ORDER = [
    "plot_quickstart.py",
    "plot_logic_gates.py",
    "plot_atoms_in_pandas.py",
    "plot_atom_learning_curves.py",
    "plot_goal_search.py",
    "plot_goal_discovery_tpe.py",
    "plot_pipeline_features.py",
    "plot_associative_memory.py",
]


class ExampleOrder:
    """Sort key: position in READING_ORDER, then the file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        rank = READING_ORDER.index(filename) if filename in READING_ORDER else len(READING_ORDER)
        return (rank, filename)

    def __repr__(self):
        return "ExampleOrder()"
