"""Who may see the runs of the matcher (iisg.core.permissions machinery)."""

from iisg.core.permissions import SecretariatWork

RULES = {"analysis.matcherrun": SecretariatWork()}
