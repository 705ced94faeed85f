"""Who funds and who implements security assistance to the Western Balkans, for the generated
response mapping. Organisations are keys of data/organisations.toml.

Each donor has a share of the actions, a currency, a usual size of action, the pillars it funds and
the organisations that implement for it; a donor that publishes to IATI gives its actions an IATI
identifier in the form its publisher uses ("<organisation identifier>-<activity id>").
"""

from dataclasses import dataclass

ALL_PILLARS = ("wbcti", "wbcsci", "wbbsi")

# The pillars each implementer works in.
IMPLEMENTER_PILLARS = {
    "unodc": ("wbcti", "wbcsci"),
    "osce": ALL_PILLARS,
    "dcaf": ("wbcti", "wbbsi"),
    "iom": ("wbcsci", "wbbsi"),
    "undp": ("wbcti", "wbcsci"),
    "coe": ("wbcti", "wbcsci"),
    "cepol": ALL_PILLARS,
    "frontex": ("wbbsi",),
    "europol": ("wbcti", "wbcsci"),
    "icmpd": ("wbcsci", "wbbsi"),
    "rcc": ("wbcti",),
    "rai": ("wbcsci",),
    "marri": ("wbbsi",),
    "pcc-see": ("wbcsci", "wbbsi"),
    "giz": ALL_PILLARS,
    "expertise-france": ("wbcti", "wbcsci"),
    "moi-at": ALL_PILLARS,
    "moi-si": ALL_PILLARS,
    "moi-it": ALL_PILLARS,
    "usa-inl": ALL_PILLARS,
}
# EU member states' ministries implement EU-funded twinning projects.
TWINNING_PARTNERS = ("moi-at", "moi-si", "moi-it")


@dataclass(frozen=True)
class Donor:
    key: str
    weight: int
    currency: str
    budget: tuple  # smallest and largest total budget, in the currency
    pillars: tuple
    implementers: tuple
    iati_prefix: str | None = None


# How the texts of the actions name the organisations.
PROSE_NAMES = {
    "dg-near": "the European Union",
    "dg-home": "the European Union (DG HOME)",
    "moi-at": "Austria's Ministry of Interior",
    "ada": "the Austrian Development Agency",
    "moi-si": "Slovenia's Ministry of Interior",
    "moi-it": "Italy's Ministry of Interior",
    "bmz": "Germany (BMZ)",
    "fcdo": "the United Kingdom",
    "france": "France",
    "netherlands": "the Netherlands",
    "switzerland": "Switzerland",
    "sweden": "Sweden",
    "usa-inl": "the United States (INL)",
    "unodc": "UNODC",
    "osce": "the OSCE",
    "dcaf": "DCAF",
    "iom": "IOM",
    "undp": "UNDP",
    "coe": "the Council of Europe",
    "cepol": "CEPOL",
    "frontex": "Frontex",
    "europol": "Europol",
    "icmpd": "ICMPD",
    "rcc": "the RCC",
    "rai": "RAI",
    "marri": "MARRI",
    "pcc-see": "the PCC SEE Secretariat",
    "giz": "GIZ",
    "expertise-france": "Expertise France",
}


DONORS = (
    Donor(
        "dg-near",
        22,
        "EUR",
        (800_000, 8_000_000),
        ALL_PILLARS,
        (
            "unodc",
            "giz",
            "dcaf",
            "iom",
            "undp",
            "coe",
            "cepol",
            "frontex",
            "osce",
            "icmpd",
            "rcc",
            "marri",
            "pcc-see",
            "rai",
            *TWINNING_PARTNERS,
        ),
        "XI-IATI-EC_NEAR",
    ),
    Donor(
        "dg-home",
        6,
        "EUR",
        (300_000, 3_000_000),
        ALL_PILLARS,
        ("frontex", "europol", "cepol", "iom", "icmpd", "moi-at", "moi-si"),
    ),
    Donor("moi-at", 6, "EUR", (40_000, 600_000), ALL_PILLARS, ("moi-at", "icmpd", "dcaf")),
    Donor("ada", 4, "EUR", (200_000, 2_000_000), ("wbcti", "wbcsci"), ("undp", "osce", "dcaf", "rai"), "XM-DAC-6-2"),
    Donor("moi-si", 4, "EUR", (30_000, 300_000), ("wbcsci", "wbbsi"), ("moi-si", "dcaf")),
    Donor("moi-it", 4, "EUR", (100_000, 1_200_000), ("wbcsci", "wbbsi"), ("moi-it", "iom", "unodc")),
    Donor("bmz", 6, "EUR", (1_000_000, 6_000_000), ALL_PILLARS, ("giz",), "DE-1"),
    Donor(
        "fcdo",
        6,
        "GBP",
        (150_000, 3_000_000),
        ("wbcti", "wbcsci"),
        ("unodc", "osce", "dcaf", "iom", "undp"),
        "GB-GOV-1",
    ),
    Donor("france", 3, "EUR", (100_000, 1_000_000), ("wbcti", "wbcsci"), ("expertise-france", "unodc")),
    Donor("netherlands", 4, "EUR", (200_000, 2_500_000), ("wbcti", "wbcsci"), ("unodc", "undp", "osce"), "XM-DAC-7"),
    Donor("switzerland", 4, "CHF", (300_000, 3_000_000), ALL_PILLARS, ("dcaf", "iom", "undp", "pcc-see"), "CH-4"),
    Donor("sweden", 3, "SEK", (2_000_000, 25_000_000), ("wbcti", "wbcsci"), ("undp", "osce", "coe"), "SE-0"),
    Donor("usa-inl", 5, "USD", (250_000, 3_500_000), ALL_PILLARS, ("usa-inl", "unodc", "osce")),
)
DONORS_BY_KEY = {donor.key: donor for donor in DONORS}


def implementers_for(donor, pillar):
    """The implementers that carry out the donor's actions in a pillar."""
    return [key for key in donor.implementers if pillar in IMPLEMENTER_PILLARS[key]]


def donors_for(pillar):
    return [donor for donor in DONORS if pillar in donor.pillars and implementers_for(donor, pillar)]


def iati_identifier(donor, rng, year):
    """An activity identifier in the form the donor's publisher uses, or None if it does not publish."""
    prefix = donor.iati_prefix
    if prefix is None:
        return None
    forms = {
        "XI-IATI-EC_NEAR": lambda: f"{year}/{rng.randint(400, 450)}-{rng.randint(100, 999)}",
        "DE-1": lambda: f"{year}{rng.randint(1000, 9999)}{rng.randint(0, 9)}",
        "GB-GOV-1": lambda: f"{rng.randint(300000, 301999)}",
        "XM-DAC-7": lambda: f"PPR-{rng.randint(4000000000, 4000099999)}",
        "CH-4": lambda: f"{year}00{rng.randint(1000, 9999)}",
        "SE-0": lambda: f"SE-6-{rng.randint(51000, 51999)}{rng.randint(100, 999)}01",
        "XM-DAC-6-2": lambda: f"{rng.randint(1000, 9999)}-00/{year}",
    }
    return f"{prefix}-{forms[prefix]()}"
