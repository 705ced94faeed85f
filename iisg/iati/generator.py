"""Realistic IATI 2.03 activity files of any size, for benchmarks and tests.

`generate()` writes Western Balkan security, justice and governance activities shaped like what
bilateral donors, the EU and UN agencies publish: a few KB each, in the schema's element order,
with codes only from the IATI codelists, percentages that add up to 100 and values that carry
their value date. The file streams through `lxml.etree.xmlfile`, one activity at a time, so
memory stays flat whatever the count, and the same seed always writes the same bytes. Each
activity is written as markup from templates and parsed back before it is streamed: libxml2 reads
a few KB faster than lxml builds ninety elements one by one, and the parse checks the markup.
"""

import random
from datetime import date, timedelta
from html import escape
from itertools import accumulate
from pathlib import Path

from lxml import etree

WESTERN_BALKANS = ("AL", "BA", "XK", "ME", "MK", "RS")
OTHER_COUNTRIES = ("UA", "MD", "GE", "AM", "TR")
# The day the generated data describes: activities end before or after it, files are stamped with it.
REFERENCE_DAY = date(2026, 1, 15)
GENERATED_DATETIME = "2026-01-15T06:00:00Z"

# Reporting donors: ref, OrganisationType, name, identifier prefix, usual currency.
DONORS = (
    ("GB-GOV-1", "10", "UK - Foreign, Commonwealth and Development Office", "GB-GOV-1-30", "GBP"),
    ("XM-DAC-41114", "40", "United Nations Development Programme", "XM-DAC-41114-PROJECT-00", "USD"),
    ("DE-1", "10", "Federal Ministry for Economic Cooperation and Development", "DE-1-20", "EUR"),
    ("SE-0", "10", "Swedish International Development Cooperation Agency", "SE-0-SE-6-", "EUR"),
    ("XI-IATI-EC_NEAR", "15", "European Commission - Directorate-General for Neighbourhood and Enlargement "
     "Negotiations", "XI-IATI-EC_NEAR-IPA-", "EUR"),
    ("NL-1", "10", "Ministry of Foreign Affairs of the Netherlands", "NL-1-PPR-", "EUR"),
)  # fmt: skip
DONOR_WEIGHTS = (20, 15, 15, 12, 30, 8)
UN_AGENCIES = (
    ("XM-DAC-41114", "40", "United Nations Development Programme"),
    ("XM-DAC-41122", "40", "United Nations Children's Fund"),
    ("XM-DAC-47066", "40", "International Organization for Migration"),
)
CURRENCIES = ("EUR", "USD", "GBP")

# DAC 5-digit sectors (vocabulary 1), their weight, and the theme in English, Albanian, Serbian,
# Macedonian and Bosnian (the accusative, as it follows "support for").
SECTORS = {
    "15210": (20, "security sector reform", "reformën e sektorit të sigurisë", "reformu sektora bezbednosti",
              "реформата на безбедносниот сектор", "reformu sektora sigurnosti"),
    "15220": (16, "civilian peacebuilding and conflict prevention", "ndërtimin e paqes dhe parandalimin e konflikteve",
              "izgradnju mira i sprečavanje sukoba", "градењето мир и спречувањето конфликти",
              "izgradnju mira i sprečavanje sukoba"),
    "15230": (2, "participation in international peacekeeping", "pjesëmarrjen në misionet paqeruajtëse",
              "učešće u mirovnim misijama", "учеството во мировни мисии", "učešće u mirovnim misijama"),
    "15240": (10, "small arms and light weapons control", "kontrollin e armëve të vogla dhe të lehta",
              "kontrolu malog i lakog oružja", "контролата на малото и лесното оружје",
              "kontrolu malog i lakog oružja"),
    "15250": (6, "demining and removal of explosive remnants of war", "pastrimin e minave", "uklanjanje mina",
              "отстранувањето на мините", "deminiranje"),
    "15261": (1, "prevention of child recruitment", "parandalimin e rekrutimit të fëmijëve",
              "sprečavanje regrutovanja dece", "спречувањето на регрутирањето деца", "sprečavanje regrutovanja djece"),
    "15130": (16, "judicial reform and the rule of law", "reformën në drejtësi dhe sundimin e ligjit",
              "reformu pravosuđa i vladavinu prava", "реформата на правосудството и владеењето на правото",
              "reformu pravosuđa i vladavinu prava"),
    "15113": (10, "anti-corruption institutions", "institucionet kundër korrupsionit", "antikorupcijske institucije",
              "антикорупциските институции", "antikorupcijske institucije"),
    "15110": (6, "public administration reform", "reformën e administratës publike", "reformu javne uprave",
              "реформата на јавната администрација", "reformu javne uprave"),
    "15150": (6, "civil society and democratic participation", "shoqërinë civile dhe pjesëmarrjen demokratike",
              "civilno društvo i demokratsko učešće", "граѓанското општество и демократското учество",
              "civilno društvo i demokratsko učešće"),
    "15160": (4, "human rights", "të drejtat e njeriut", "ljudska prava", "човековите права", "ljudska prava"),
    "15180": (3, "ending violence against women and girls", "parandalimin e dhunës ndaj grave",
              "sprečavanje nasilja nad ženama", "спречувањето на насилството врз жените",
              "sprečavanje nasilja nad ženama"),
    "15190": (3, "safe and orderly migration management", "menaxhimin e migracionit", "upravljanje migracijama",
              "управувањето со миграцијата", "upravljanje migracijama"),
}  # fmt: skip
SECTOR_CODES = tuple(SECTORS)
SECTOR_WEIGHTS = tuple(row[0] for row in SECTORS.values())
HUMANITARIAN_SECTORS = {"15220", "15240", "15250"}
PARTNER_LANGUAGES = ("sq", "sr", "mk", "bs")
TITLE_IN = {"sq": "Mbështetje për {}", "sr": "Podrška za {}", "mk": "Поддршка за {}", "bs": "Podrška za {}"}
SUMMARY_IN = {
    "sq": "Projekti mbështet {} dhe forcon bashkëpunimin ndërmjet institucioneve dhe shoqërisë civile.",
    "sr": "Projekat podržava {} i jača saradnju između institucija i civilnog društva.",
    "mk": "Проектот дава поддршка за {} и ја зајакнува соработката меѓу институциите и граѓанското општество.",
    "bs": "Projekat podržava {} i jača saradnju između institucija i civilnog društva.",
}
# Per country: English name, capital, partner language, NGO register (OrganisationRegistrationAgency).
COUNTRIES = {
    "AL": ("Albania", "Tirana", "sq", "AL-QKB"),
    "BA": ("Bosnia and Herzegovina", "Sarajevo", "bs", ""),
    "XK": ("Kosovo", "Pristina", "sq", ""),
    "ME": ("Montenegro", "Podgorica", "sr", ""),
    "MK": ("North Macedonia", "Skopje", "mk", ""),
    "RS": ("Serbia", "Belgrade", "sr", "RS-APR"),
    "UA": ("Ukraine", "Kyiv", "", "UA-EDR"),
    "MD": ("Moldova", "Chisinau", "", "MD-IDNO"),
    "GE": ("Georgia", "Tbilisi", "", "GE-NAPR"),
    "AM": ("Armenia", "Yerevan", "", "AM-SRALE"),
    "TR": ("Türkiye", "Ankara", "", "TR-MERSIS"),
}
MINISTRIES = ("Ministry of Justice", "Ministry of Interior", "Ministry of Defence", "Ministry of Finance")
NGO_KINDS = ("Centre for", "Institute for", "Network for", "Foundation for", "Initiative for")
NGO_FOCUS = ("Security Policy", "Civic Initiatives", "Democratic Governance", "Human Rights", "Justice Reform",
             "Media Freedom", "Community Safety", "Women's Rights", "Youth Participation",
             "Public Integrity")  # fmt: skip
TITLES = ("Support to {theme} in {place}", "Strengthening {theme} in {place}", "{place}: {theme}, phase {phase}",
          "Programme for {theme} in {place}", "{place}: support to {theme}")  # fmt: skip
INSTITUTIONS = ("national institutions", "the judiciary", "the police", "local self-government units",
                "civil society organisations", "the ombudsperson institution", "parliamentary committees",
                "prosecution services")  # fmt: skip
GOALS = ("meet the requirements of the EU accession process", "respond to citizens' security concerns",
         "apply the law consistently and transparently", "reduce the threat of illicit weapons",
         "build trust between communities", "account for public spending")  # fmt: skip
WORKS = ("legal drafting and policy advice", "training of judges and prosecutors", "community safety forums",
         "small grants to local organisations", "peer exchanges with EU member states", "awareness campaigns",
         "data collection and monitoring", "equipment and refurbishment of premises",
         "mentoring of senior staff")  # fmt: skip
DOCUMENTS = (("A02", "Project document"), ("A07", "Mid-term review"), ("A01", "Appraisal report"),
             ("A12", "Project page"))  # fmt: skip
POLICY_MARKERS = ("1", "3", "11")  # gender equality, good governance, disability
AID_TYPES = ("C01", "D02", "B03")
# Whole percentages for one, two or three recipients or sectors: they add up to exactly 100.
SHARES = {
    1: (("100",),),
    2: (("50", "50"), ("60", "40"), ("70", "30"), ("80", "20")),
    3: (("50", "30", "20"), ("40", "30", "30"), ("60", "20", "20")),
}


def generate(path, *, count, seed=0, countries=WESTERN_BALKANS, other_share=0.1):
    """Write `count` IATI 2.03 activities to `path` and return its size in bytes.

    Activities go to one or two of `countries` (percentages summing to 100), except about
    `other_share` of them, which go to countries outside it. Identifiers are unique; the same
    arguments always give the same bytes.
    """
    path = Path(path)
    countries = tuple(c.upper() for c in countries)
    writer = _Writer(random.Random(seed), countries, tuple(c for c in OTHER_COUNTRIES if c not in countries))
    with etree.xmlfile(str(path), encoding="utf-8") as document:
        document.write_declaration()
        with document.element("iati-activities", {"version": "2.03", "generated-datetime": GENERATED_DATETIME}):
            document.write("\n")
            for sequence in range(1, count + 1):
                recipients = writer.other if writer.other and writer.rng.random() < other_share else countries
                activity = etree.fromstring(writer.activity(sequence, recipients).encode())
                document.write(activity, pretty_print=True)
    return path.stat().st_size


def _narrated(tag, texts, attributes=""):
    """`tag` holding a narrative per (language, text); language "" is the activity's."""
    narratives = "".join(
        f'<narrative xml:lang="{lang}">{escape(text, False)}</narrative>'
        if lang
        else f"<narrative>{escape(text, False)}</narrative>"
        for lang, text in texts
    )
    return f"<{tag}{attributes}>{narratives}</{tag}>"


def _amount(value, cents):
    return f"{value:.2f}" if cents else str(round(value))


class _Writer:
    """Writes one activity at a time, as markup, from the shared random stream."""

    def __init__(self, rng, countries, other):
        self.rng = rng
        self.other = other
        self.implementers = {code: self._implementers(code) for code in countries + other}
        self.donor_weights = list(accumulate(DONOR_WEIGHTS))
        self.sector_weights = list(accumulate(SECTOR_WEIGHTS))
        self.organisations = {}

    def _implementers(self, country):
        """The organisations that implement in `country`: its ministries and a dozen NGOs."""
        rng = self.rng
        name, capital, _lang, register = COUNTRIES.get(country, (country, country, "", ""))
        found = [(f"{country}-COA-{rng.randrange(100, 999)}", "10", f"{ministry} of {name}") for ministry in MINISTRIES]
        for _ in range(12):
            ref = f"{register}-{rng.randrange(10**7, 10**8)}" if register and rng.random() < 0.7 else ""
            label = f"{capital} {rng.choice(NGO_KINDS)} {rng.choice(NGO_FOCUS)}"
            found.append((ref, rng.choice(("21", "22", "22", "80")), label))
        return found

    def organisation(self, tag, organisation, role=""):
        """The markup of an organisation as `tag`, made once per organisation, tag and role."""
        key = (tag, organisation, role)
        if key not in self.organisations:
            ref, kind, name = organisation
            attributes = (
                (f' ref="{escape(ref)}"' if ref else "") + f' type="{kind}"' + (f' role="{role}"' if role else "")
            )
            self.organisations[key] = _narrated(tag, [("", name)], attributes)
        return self.organisations[key]

    def activity(self, sequence, pool):
        rng = self.rng
        ref, kind, donor_name, prefix, currency = rng.choices(DONORS, cum_weights=self.donor_weights)[0]
        donor = (ref, kind, donor_name)
        identifier = f"{prefix}{sequence:06d}"
        places = rng.sample(pool, 2 if len(pool) > 1 and rng.random() < 0.2 else 1)
        sectors = list(dict.fromkeys(rng.choices(SECTOR_CODES, cum_weights=self.sector_weights, k=rng.randint(1, 3))))
        start = date(2016, 1, 1) + timedelta(days=rng.randrange(9 * 365))
        end = start + timedelta(days=rng.randrange(365, 5 * 365))
        if rng.random() < 0.75:
            currency = rng.choice(CURRENCIES)
        updated = _between(rng, max(start, date(2024, 1, 1)), REFERENCE_DAY - timedelta(days=1))
        moment = f"{updated}T{rng.randrange(6, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        humanitarian = rng.random() < (0.3 if sectors[0] in HUMANITARIAN_SECTORS else 0.03)
        parts = [
            f'<iati-activity last-updated-datetime="{moment}" xml:lang="en" default-currency="{currency}"'
            + (' humanitarian="1">' if humanitarian else ">"),
            f"<iati-identifier>{escape(identifier, False)}</iati-identifier>",
            self.organisation("reporting-org", donor),
        ]
        self.texts(parts, sectors[0], places)
        implementer = donor if kind == "40" else rng.choice(self.implementers[places[0]])
        self.participants(parts, donor, implementer, places[0])
        status = "2" if end > REFERENCE_DAY else ("3" if end > REFERENCE_DAY - timedelta(days=180) else "4")
        actual_start = start + timedelta(days=rng.randrange(0, 60))
        parts += [
            f'<activity-status code="{status}"/>',
            f'<activity-date iso-date="{start}" type="1"/>',
            f'<activity-date iso-date="{actual_start}" type="2"/>',
            f'<activity-date iso-date="{end}" type="3"/>',
            f'<activity-date iso-date="{end}" type="4"/>' if status == "4" else "",
            f'<activity-scope code="{4 if len(places) == 1 else 3}"/>',
        ]
        for code, share in zip(places, rng.choice(SHARES[len(places)]), strict=True):
            parts.append(f'<recipient-country code="{code}" percentage="{share}"/>')
        for code, share in zip(sectors, rng.choice(SHARES[len(sectors)]), strict=True):
            parts.append(f'<sector vocabulary="1" code="{code}" percentage="{share}"/>')
        for code in rng.sample(POLICY_MARKERS, rng.choice((0, 0, 1, 2))):
            parts.append(f'<policy-marker vocabulary="1" code="{code}" significance="{rng.choice("012")}"/>')
        parts += [
            f'<collaboration-type code="{2 if kind == "40" else 1}"/>',
            '<default-flow-type code="10"/><default-finance-type code="110"/>',
            f'<default-aid-type code="{rng.choice(AID_TYPES)}"/><default-tied-status code="5"/>',
        ]
        total = round(rng.lognormvariate(13.3, 1.0), -3) + 50_000
        self.money(parts, currency, total, start, end, donor, implementer)
        self.documents(parts, ref, identifier, start)
        parts.append("</iati-activity>")
        return "".join(parts)

    def texts(self, parts, sector, places):
        rng = self.rng
        theme = SECTORS[sector][1]
        place = " and ".join(COUNTRIES.get(code, (code,))[0] for code in places)
        title = rng.choice(TITLES).format(theme=theme, place=place, phase=rng.randint(1, 3))
        lang = COUNTRIES.get(places[0], ("", "", ""))[2]
        local = SECTORS[sector][2 + PARTNER_LANGUAGES.index(lang)] if lang and rng.random() < 0.35 else ""
        parts.append(_narrated("title", [("", title)] + ([(lang, TITLE_IN[lang].format(local))] if local else [])))
        first, second = rng.sample(INSTITUTIONS, 2)
        works = rng.sample(WORKS, 3)
        general = (
            f"The action supports {theme} in {place}. It works with {first} and {second} through {works[0]}, "
            f"{works[1]} and {works[2]}. Results are reviewed each year with the national coordination body "
            "and the participating organisations."
        )
        texts = [("", general)] + ([(lang, SUMMARY_IN[lang].format(local))] if local else [])
        parts.append(_narrated("description", texts, ' type="1"'))
        if rng.random() < 0.6:
            (first, second), (first_goal, second_goal) = rng.sample(INSTITUTIONS, 2), rng.sample(GOALS, 2)
            objective = f"To strengthen the capacity of {first} to {first_goal}, and of {second} to {second_goal}."
            parts.append(_narrated("description", [("", objective)], ' type="2"'))

    def participants(self, parts, donor, implementer, country):
        """Two to four participating organisations in role order: funding, accountable, extending,
        implementing."""
        rng = self.rng
        size = rng.randint(2, 4)
        funder = rng.choice([d[:3] for d in DONORS if d[1] != "40"]) if donor[1] == "40" else donor
        parts.append(self.organisation("participating-org", funder, "1"))
        if size == 4:
            ministry = self.implementers[country][rng.randrange(len(MINISTRIES))]
            parts.append(self.organisation("participating-org", ministry, "2"))
        if size >= 3:
            extending = rng.choice(UN_AGENCIES) if donor[1] != "40" and rng.random() < 0.3 else donor
            parts.append(self.organisation("participating-org", extending, "3"))
        parts.append(self.organisation("participating-org", implementer, "4"))

    def money(self, parts, currency, total, start, end, donor, implementer):
        """Budgets per calendar year, planned disbursements, then a commitment followed by
        disbursements and expenditures, some of them in another currency than the default."""
        rng = self.rng
        years = list(range(start.year, end.year + 1))
        first = rng.randrange(len(years))
        budget_years = years[first : first + rng.randint(1, 3)]
        for year, share in zip(budget_years, _split(rng, total, len(budget_years)), strict=True):
            period = (max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
            budget = self.period_value(period, share, currency)
            parts.append(f'<budget type="1" status="{rng.choice("12")}">{budget}</budget>')
        for _ in range(rng.choice((0, 0, 1, 2))):
            quarter_start = _between(rng, start, end - timedelta(days=91))
            quarter = (quarter_start, quarter_start + timedelta(days=90))
            planned = self.period_value(quarter, total * rng.uniform(0.05, 0.25), currency)
            if rng.random() < 0.5:
                planned += self.organisation("provider-org", donor) + self.organisation("receiver-org", implementer)
            parts.append(f'<planned-disbursement type="1">{planned}</planned-disbursement>')
        last = min(end, REFERENCE_DAY - timedelta(days=1))
        size = rng.randint(3, 8)
        spent = total * rng.uniform(0.3, 1.0)
        dates = sorted(_between(rng, start, last) for _ in range(size - 1))
        kinds = ["2"] + [rng.choice("334") for _ in dates]
        amounts = [total, *_split(rng, spent, len(dates))]
        for kind, day, amount in zip(kinds, [start, *dates], amounts, strict=True):
            own = rng.choice(CURRENCIES) if rng.random() < 0.1 else currency
            stated = f' currency="{own}"' if own != currency else ""
            parts += [
                f'<transaction><transaction-type code="{kind}"/><transaction-date iso-date="{day}"/>',
                f'<value value-date="{day}"{stated}>{_amount(amount, kind != "2")}</value>',
            ]
            if kind == "3" and rng.random() < 0.5:
                parts.append(_narrated("description", [("", f"Disbursement Q{(day.month + 2) // 3} {day.year}")]))
            if kind == "4":
                parts.append(self.organisation("provider-org", implementer))
            else:
                parts += [self.organisation("provider-org", donor), self.organisation("receiver-org", implementer)]
            parts.append("</transaction>")

    def period_value(self, period, amount, currency):
        """The period and value of a budget or planned disbursement."""
        # Some publishers state the currency again although it is the default.
        stated = f' currency="{currency}"' if self.rng.random() < 0.05 else ""
        return (
            f'<period-start iso-date="{period[0]}"/><period-end iso-date="{period[1]}"/>'
            f'<value value-date="{period[0]}"{stated}>{_amount(amount, False)}</value>'
        )

    def documents(self, parts, publisher, identifier, start):
        rng = self.rng
        for category, title in rng.sample(DOCUMENTS, rng.choice((0, 1, 1, 2))):
            page = category == "A12"
            url = f"https://iati.example.org/{publisher}/{identifier}" + ("" if page else f"/{category}.pdf")
            file_format = "text/html" if page else "application/pdf"
            parts += [
                f'<document-link url="{escape(url)}" format="{file_format}">',
                _narrated("title", [("en", title)]),
                f'<category code="{category}"/><language code="en"/>',
                f'<document-date iso-date="{_between(rng, start, REFERENCE_DAY)}"/></document-link>',
            ]


def _between(rng, first, last):
    """A day from `first` to `last`, both included (`first` when `last` comes before it)."""
    return first + timedelta(days=int(rng.random() * max(1, (last - first).days + 1)))


def _split(rng, amount, parts):
    """`amount` cut into `parts` uneven pieces that add up to it."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = amount / sum(weights)
    return [weight * scale for weight in weights]
