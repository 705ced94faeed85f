"""Who may see the IATI codelists and the import runs (iisg.core.permissions machinery)."""

from iisg.core.permissions import Rule, SecretariatWork

RULES = {
    "iati.codelistentry": Rule(),
    "iati.importrun": SecretariatWork(),
    "iati.importchange": SecretariatWork(),  # what an import changed, kept to roll it back
}
