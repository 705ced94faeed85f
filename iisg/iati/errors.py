"""The refusals of the IATI workflows, each with the message a person reads."""

from iisg.needs.errors import InvalidTransition


class RollbackRefused(InvalidTransition):
    """The import run cannot be rolled back now; nothing was changed. `reasons` says every why."""

    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__(" ".join(str(reason) for reason in self.reasons))
