"""Who may see and change the directory (iisg.core.permissions machinery): partners, pillars,
organisations and memberships are public; contact people are private."""

from iisg.core.permissions import Rule, SecretariatOnly

RULES = {
    "directory.partner": Rule(),
    "directory.pillar": Rule(),
    "directory.organisation": Rule(),
    "directory.membership": Rule(),
    "directory.person": SecretariatOnly(),
}
