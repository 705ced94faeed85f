"""The thematic taxonomy of the generated needs mapping, with the building blocks of its texts.

Per pillar, objectives and their areas (codes "1", "1.1"…), read from data/taxonomy.toml. For WBCTi
the objectives are the five of the EU–Western Balkans Joint Action Plan on Counter-Terrorism (2018).
Each area carries what the generator needs to write plausible needs and actions about it: need stems
(title and description of a typical need), an action theme and activities, and the OECD DAC sector
that fits it best. The sentences that vary the texts are here.
"""

import tomllib
from dataclasses import dataclass

from iisg.needs.choices import NeedType, Perspective

from .curated import DATA_DIR


@dataclass(frozen=True)
class NeedStem:
    need_type: str
    perspective: str
    title: str
    description: str
    partners: tuple = ()  # only these partners have it (a seaport, a lake border); empty: every partner


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    sector: str  # OECD DAC 5-digit purpose code (data/iati/codelists/xml/Sector.xml)
    theme: str  # fits "Support to …" and "Strengthening …" in action titles
    activities: tuple  # third person, fits "The action …"
    needs: tuple


@dataclass(frozen=True)
class ObjectiveSpec:
    code: str
    name: str
    areas: tuple


def _read_taxonomy():
    with (DATA_DIR / "taxonomy.toml").open("rb") as file:
        data = tomllib.load(file)
    return {
        pillar: tuple(
            ObjectiveSpec(
                code=objective["code"],
                name=objective["name"],
                areas=tuple(
                    AreaSpec(
                        code=area["code"],
                        name=area["name"],
                        sector=area["sector"],
                        theme=area["theme"],
                        activities=tuple(area["activities"]),
                        needs=tuple(
                            NeedStem(
                                need_type=NeedType(need["type"]),
                                perspective=Perspective(need["perspective"]),
                                title=need["title"],
                                description=need["description"],
                                partners=tuple(need.get("partners", ())),
                            )
                            for need in area["need"]
                        ),
                    )
                    for area in objective["area"]
                ),
            )
            for objective in objectives
        )
        for pillar, objectives in data.items()
    }


TAXONOMY = _read_taxonomy()

# Areas of two pillars that one action can serve at once (a screening of migrants also detects
# victims of trafficking); an action spans two pillars only through one of these pairs.
RELATED_AREAS = (
    (("wbcti", "2.3"), ("wbcsci", "3.1")),
    (("wbcti", "3.1"), ("wbbsi", "4.1")),
    (("wbcti", "3.2"), ("wbbsi", "2.1")),
    (("wbcti", "3.3"), ("wbcsci", "1.2")),
    (("wbcti", "4.1"), ("wbcsci", "4.3")),
    (("wbcti", "4.3"), ("wbcsci", "4.1")),
    (("wbcsci", "1.1"), ("wbbsi", "6.1")),
    (("wbcsci", "2.1"), ("wbbsi", "1.2")),
    (("wbcsci", "2.3"), ("wbbsi", "3.1")),
    (("wbcsci", "2.4"), ("wbbsi", "2.1")),
    (("wbcsci", "5.1"), ("wbbsi", "1.1")),
)

# Where a need is written down: the partner's strategy for the pillar.
STRATEGIES = {
    "wbcti": "strategy for countering terrorism and violent extremism",
    "wbcsci": "strategy against serious and organised crime",
    "wbbsi": "integrated border management strategy",
}

JUSTIFICATIONS = (
    "Set out as a priority in the national {strategy}.",
    "Recommended in the European Commission's 2021 report on {partner} (justice, freedom and security).",
    "Confirmed at the national thematic meeting in {capital} in {month} 2021.",
    "Raised by the Support Group as a regional priority for the coming two years.",
    "Earlier support ended before the work was complete; the institution cannot finish it alone.",
)
WBCTI_JUSTIFICATION = (
    "Follows from the Joint Action Plan on Counter-Terrorism for the Western Balkans and the bilateral "
    "arrangement between {partner} and the European Commission."
)
CONTEXT = (
    "The {ministry} leads the work with the institutions concerned.",
    "The institutions concerned have agreed on the need within the national working group.",
    "Part of the work can build on results of earlier donor support.",
    "The need concerns both the central level and the regional units.",
)


def related_areas(pillar_code, area_code):
    """The (pillar, area code) pairs of other pillars that an action about this area may also serve."""
    this = (pillar_code, area_code)
    return [other for pair in RELATED_AREAS if this in pair for other in pair if other != this]


def areas(pillar_code):
    """The (objective, area) pairs of a pillar, in code order."""
    return [(objective, area) for objective in TAXONOMY[pillar_code] for area in objective.areas]
