"""What the fit loop runs on: the plan of the trained parts, the settings of a fit,
and the record of one fit or partial_fit call."""

from dataclasses import dataclass, field

from ._epoch import TrainingData


@dataclass(frozen=True)
class GoalPlan:
    """A trained part of a network as the fit loop sees it: its name (in
    ``layer_names_``), its sources and the estimator parameter holding its goal."""

    name: str
    sources: str
    goal_param: str


@dataclass(frozen=True)
class TrainingSettings:
    """How the fit loop runs. ``batch_size`` None is one batch of all samples."""

    batch_size: object
    shuffle: bool
    max_iter: int
    tol: float
    n_iter_no_change: int
    early_stopping: bool = False
    validation_fraction: float = 0.1
    warm_start: bool = False
    verbose: int = 0
    n_jobs: object = None
    # pid_atoms_ are the records of the last epoch (no pass over the data after fit);
    # False evaluates them with the final weights (the memory: one full batch).
    records_from_training: bool = True
    # batch_size="auto" as a function of n_samples (None: min(256, n_samples)).
    auto_batch: object = None
    # Adam updates of the slowest layer before a stopping rule may count (0: at once).
    updates_before_stopping: int = 0

    def batch(self, n_samples):
        if self.batch_size is None:
            return max(1, n_samples)
        if self.batch_size == "auto":
            if self.auto_batch is not None:
                return self.auto_batch(n_samples)
            return min(256, n_samples)
        return min(self.batch_size, n_samples)


@dataclass
class FitRun:
    """One call of fit or partial_fit as the hooks see it.

    ``start_iter``: ``n_iter_`` when the call began; ``best_epoch``: the epoch whose
    weights the stopping rule kept (None: the last); ``checkpoints``: the states to fall
    back to if the final weights give outputs that are not finite; ``x_max``: the
    largest |x| of the data.
    """

    data: TrainingData
    settings: TrainingSettings
    incremental: bool
    start_iter: int
    best_epoch: object = None
    checkpoints: list = field(default_factory=list)
    x_max: object = None
