"""Benchmark of the Excel workbooks: validating and applying a 5,000-row upload.

    python bench/workbook.py [--database sqlite|postgres] [--repeat N] [--rows N] [--json PATH]

On a database of its own (a temporary SQLite file, or a PostgreSQL database `iisg_bench_workbook`
that it creates and drops), it writes a needs workbook and an actions workbook of N rows (5,000) the
way a person fills the downloaded template, and measures, as medians over N runs:

- the baseline: openpyxl reading every cell of the same file (read-only mode), in the same process;
- validate only: every check of every row, nothing written;
- validate + apply: the same, then the rows written in one transaction (the rows are deleted
  between runs, untimed);
- the same file again: validated, found unchanged, nothing written.

`--json PATH` writes the figures as one JSON object, each key by database ({"sqlite": …}): the
goal's `apply_5000_actions_s` (validate + apply of the actions workbook, seconds) and its needs
twin `apply_5000_needs_s`, and for each workbook `read_baseline_5000_actions_ms`,
`validate_5000_actions_ms`, `again_5000_actions_ms` and `apply_vs_read_5000_actions_ratio` (the
count in each key follows --rows).
"""

import argparse
import datetime
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import by_database, prepare_database, write_json  # noqa: E402

PG_BENCH_DB = "iisg_bench_workbook"


def timed(fn, repeat, before=None):
    """Median milliseconds of `fn` over `repeat` runs; `before` runs untimed ahead of each."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def setting_up():
    """Partners, pillars, a cycle with areas, a focal point of Serbia and a donor."""
    from django.contrib.auth.models import Group, User

    from iisg.core.choices import Role
    from iisg.directory.models import Organisation, Partner, Person, Pillar
    from iisg.needs.choices import CycleKind
    from iisg.needs.models import Area, Cycle

    names = {"AL": "Albania", "BA": "Bosnia and Herzegovina", "XK": "Kosovo", "ME": "Montenegro",
             "MK": "North Macedonia", "RS": "Serbia"}  # fmt: skip
    partners = {
        code: Partner.objects.create(code=code, name=name, order=i) for i, (code, name) in enumerate(names.items())
    }
    pillars = [
        Pillar.objects.create(code=code, acronym=acronym, name=acronym, order=i)
        for i, (code, acronym) in enumerate([("wbcti", "WBCTi"), ("wbcsci", "WBCSCi"), ("wbbsi", "WBBSi")])
    ]
    cycle = Cycle.objects.create(kind=CycleKind.NEEDS, first_year=2025, last_year=2026)
    for pillar in pillars:
        for n in range(1, 13):
            Area.objects.create(cycle=cycle, pillar=pillar, code=f"{n // 4 + 1}.{n}", name=f"Area {n}")
    ministry = Organisation.objects.create(name="Ministry of Interior of Serbia", acronym="MUP", partner=partners["RS"])
    donor_org = Organisation.objects.create(name="Austrian Development Agency", acronym="ADA", kind="government")
    focal = User.objects.create(username="focal", is_staff=True)
    focal.groups.add(Group.objects.get(name=Role.FOCAL_POINT))
    Person.objects.create(name="Focal", partner=partners["RS"], user=focal)
    donor = User.objects.create(username="donor", is_staff=True)
    donor.groups.add(Group.objects.get(name=Role.DONOR))
    Person.objects.create(name="Donor", organisation=donor_org, user=donor)
    ministry.save()
    return cycle, pillars, focal, donor


def needs_file(user, cycle, pillars, rows):
    from openpyxl import load_workbook

    from iisg.core import workbook as wb
    from iisg.needs import workbook

    book = load_workbook(io.BytesIO(workbook.build_workbook(user=user, cycle=cycle)))
    sheet = book["Needs"]
    for n in range(rows):
        pillar = pillars[n % 3]
        sheet.append([
            f"RS-{pillar.acronym}-{n:05d}", "Serbia", pillar.acronym, f"{(n % 12 + 1) // 4 + 1}.{n % 12 + 1}",
            ["Legislative", "Institutional", "Operational"][n % 3], ["Prevention", "Response"][n % 2],
            f"Need number {n}: equipment and training", "Equipment and training for border police units. " * 3,
            ["High", "Medium", "Low"][n % 3], "Gaps found in the 2024 assessment.", "Ministry of Interior of Serbia",
        ])  # fmt: skip
    return wb.to_bytes(book)


def actions_file(user, cycle, rows):
    from openpyxl import load_workbook

    from iisg.actions import workbook
    from iisg.core import workbook as wb

    book = load_workbook(io.BytesIO(workbook.build_workbook(user=user, cycle=cycle)))
    sheet, budgets = book["Actions"], book["Budgets"]
    headers = [cell.value for cell in sheet[1]]
    budget_headers = [cell.value for cell in budgets[1]]
    for n in range(rows):
        action = {
            "IATI identifier": f"AT-1-{n:05d}", "Title": f"Action number {n}",
            "Description": "Support to the police of the region. " * 3, "Beneficiary partners": "Serbia, Montenegro",
            "Pillars": "WBBSi", "Planned start": datetime.date(2025, 1, 1), "Planned end": datetime.date(2026, 12, 31),
            "Status": "Implementation", "Default currency": "EUR",
        }  # fmt: skip
        sheet.append([action.get(header) for header in headers])
        budget = {"Action": f"AT-1-{n:05d}", "Period start": datetime.date(2025, 1, 1),
                  "Period end": datetime.date(2026, 12, 31), "Value": 100000 + n}  # fmt: skip
        budgets.append([budget.get(header) for header in budget_headers])
    return wb.to_bytes(book)


def raw_read(data):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    for worksheet in book.worksheets:
        for _row in worksheet.iter_rows(values_only=True):
            pass
    book.close()


def measure(name, data, upload, clear, repeat, rows):
    """The four figures of one workbook, as table rows; answers them by key for --json (ms)."""
    count = int(name.split()[0].replace(",", ""))
    baseline = timed(lambda: raw_read(data), repeat)
    rows.append((name, "openpyxl read-only read (baseline)", baseline, 1.0))
    validate = timed(lambda: _ok(upload(apply=False)), repeat, before=clear)
    rows.append((name, "validate only", validate, validate / baseline))
    apply = timed(lambda: _ok(upload(apply=True), added=count), repeat, before=clear)
    rows.append((name, "validate + apply (all new)", apply, apply / baseline))
    again = timed(lambda: _ok(upload(apply=True), added=0), repeat)
    rows.append((name, "same file again (unchanged)", again, again / baseline))
    return {"baseline": baseline, "validate": validate, "apply": apply, "again": again}


def _ok(outcome, added=None):
    assert outcome.ok, outcome.problems[:5]
    assert added is None or outcome.added == added, (outcome.added, added)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH as one JSON object")
    args = parser.parse_args()
    drop = prepare_database(args.database, PG_BENCH_DB)
    rows, figures = [], {}
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from iisg.actions import workbook as actions_workbook
        from iisg.actions.models import Action
        from iisg.needs import workbook as needs_workbook
        from iisg.needs.models import Need

        cycle, pillars, focal, donor = setting_up()
        needs = needs_file(focal, cycle, pillars, args.rows)
        actions = actions_file(donor, cycle, args.rows)

        def clear_needs():
            Need.history.all().delete()
            Need.objects.all().delete()

        def clear_actions():
            Action.history.all().delete()
            Action.objects.all().delete()

        figures["needs"] = measure(
            f"{args.rows:,} needs ({len(needs) // 1024} KB)",
            needs,
            lambda apply: needs_workbook.upload_workbook(user=focal, cycle=cycle, data=needs, apply=apply),
            clear_needs,
            args.repeat,
            rows,
        )
        figures["actions"] = measure(
            f"{args.rows:,} actions ({len(actions) // 1024} KB)",
            actions,
            lambda apply: actions_workbook.upload_workbook(user=donor, cycle=cycle, data=actions, apply=apply),
            clear_actions,
            args.repeat,
            rows,
        )
    finally:
        drop()

    print(f"\nIISG workbook benchmark — {args.database}, medians of {args.repeat} runs\n")
    print("| workbook | what | median ms | ratio to baseline |\n|---|---|---:|---:|")
    for name, what, ms, ratio in rows:
        print(f"| {name} | {what} | {ms:.0f} | {ratio:.1f} |")
    if args.json:
        write_json(args.json, by_database(args.database, as_json(figures, args.rows)))


def as_json(figures, count):
    """The figures by key, units in the names: seconds for the applies the goal is set in."""
    out = {}
    for kind in ("actions", "needs"):
        ms = figures[kind]
        out[f"apply_{count}_{kind}_s"] = round(ms["apply"] / 1000, 2)
        out[f"read_baseline_{count}_{kind}_ms"] = round(ms["baseline"], 1)
        out[f"validate_{count}_{kind}_ms"] = round(ms["validate"], 1)
        out[f"again_{count}_{kind}_ms"] = round(ms["again"], 1)
        out[f"apply_vs_read_{count}_{kind}_ratio"] = round(ms["apply"] / ms["baseline"], 2)
    return out


if __name__ == "__main__":
    main()
