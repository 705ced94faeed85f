"""Who may read, generate and publish reports (iisg.core.permissions machinery)."""

from iisg.core.permissions import CHANGE, DELETE, NOTHING, MembersRead


class ReportRule(MembersRead):
    """Reports for the Board: members read and download them; only the Secretariat generates and
    publishes them. A report is the record of what was generated: nobody changes or deletes it."""

    def q_allows(self, viewer, verb):
        if verb in {CHANGE, DELETE}:
            return NOTHING
        return super().q_allows(viewer, verb)


class BoardPackRule(ReportRule):
    """Board packs: the report's readers (members) read them and what changed since; the Secretariat
    makes one by publishing a report. A pack is what the Board adopted: nobody changes or deletes it."""


RULES = {"reports.report": ReportRule(), "reports.boardpack": BoardPackRule()}
