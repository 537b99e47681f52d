"""sklearn-infomorph: infomorphic neurons for scikit-learn."""

from ._associative_memory import HebbianAssociativeMemory, InfomorphicAssociativeMemory
from ._classifier import InfomorphicClassifier
from ._goal import Goal
from ._transformer import InfomorphicTransformer
from ._version import __version__  # noqa: F401
from .lattice import Lattice, redundancy_lattice
from .pid import isx_pid, pid_from_samples, pid_table_from_samples
from .plotting import AtomHistoryDisplay, AtomsDisplay

__all__ = [
    "AtomHistoryDisplay",
    "AtomsDisplay",
    "Goal",
    "HebbianAssociativeMemory",
    "InfomorphicAssociativeMemory",
    "InfomorphicClassifier",
    "InfomorphicTransformer",
    "Lattice",
    "isx_pid",
    "pid_from_samples",
    "pid_table_from_samples",
    "redundancy_lattice",
]
