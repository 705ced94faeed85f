"""The generated needs and response mapping of the demo: a seeded plan, and its loading."""

from .load import MappingSummary, load_mapping
from .plan import DEFAULT_SEED, plan

__all__ = ["DEFAULT_SEED", "MappingSummary", "load_mapping", "plan"]
