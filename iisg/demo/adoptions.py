"""The reasons the demo gives the adoptions it records through the services.

The website publishes adoptions of several kinds: the 6th Board meeting adopted the methodology by
a decision adopting a product and approved the Secretariat's work plan 2022 by a decision approving
a work plan; the WBBSi page lists products as accomplished without the meeting that adopted them,
and the response mapping 2021 is adopted with no decision on record. adopt_product,
adopt_cycle and adopt_response_cycle take each of them, with these reasons.
"""

from iisg.governance.choices import DecisionKind

NOT_ON_RECORD = "Adopted; the decision that adopted it is not on record."
PRODUCT_NOT_ON_RECORD = "An accomplished product of the WBBSi page; the decision that adopted it is not on record."


def by_decision(verb, decision):
    """The reason of an adoption by `decision`, as the minutes name it: "Adopted by the Board:
    decision 2 of 20 June 2022"."""
    meeting = decision.meeting
    day = meeting.event.start_date
    body = meeting.get_body_display()
    return f"{verb} by the {body}: decision {decision.number} of {day.day} {day:%B %Y}"


def of_product(decision):
    """The reason of a product's adoption by `decision`: a work plan is approved, the rest adopted."""
    verb = "Adopted" if decision.kind == DecisionKind.ADOPT_PRODUCT else "Approved"
    return by_decision(verb, decision)
