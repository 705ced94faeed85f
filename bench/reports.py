"""Benchmark of the reports for the Board: how long each report takes at the demo's size and at 10x.

    python bench/reports.py [--database sqlite|postgres] [--repeat N] [--scales demo,tenfold]
                            [--pages DIR [--first N]] [--json PATH]

On a database of its own (a temporary SQLite file, or a PostgreSQL database `iisg_bench_reports`
that it creates and drops), it loads the demo, then at each scale:

- demo: the needs cycle 2021–2022 (149 needs, 300 actions), response year 2022;
- tenfold: a cycle 2025–2026 of 1,490 needs with 3,000 more actions and their responses, generated
  from the demo's texts (bench/scale.py), response year 2026;

and measures, as medians of N runs after one warm-up, in the same process, as the demo's
Secretariat: building each report's content (`reports.content.build`, the baseline: every query
and figure) and writing it as PDF, XLSX and DOCX (each writer's time alone), with the file's size
and, for the PDF, its page count. The support mapping a process keeps is forgotten before each
build, so that every build computes it.

With --pages DIR, the first N pages (default 3: cover, contents, executive summary) of each PDF
of the first scale are written to DIR as PNG (pypdfium2), for anyone to look at (make report-pages).

With --json PATH the figures are also written there as one object (bench.common.write_json), each
by database: `generate_s` ({scale: seconds}), `medians_ms` ({scale: {report: {step: median}}}),
`files_kb` ({scale: {report: {format: size}}}) and `pdf_pages` ({scale: {report: pages}}).
"""

import argparse
import dataclasses
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    by_database,
    median_ms,
    prepare_database,
    refresh_statistics,
    remove_folder,
    write_json,
)

PG_BENCH_DB = "iisg_bench_reports"
SCALES = {"demo": None, "tenfold": {"needs": 1490, "actions": 3000}}
FORMATS = ("pdf", "xlsx", "docx")


@dataclasses.dataclass
class Row:
    scale: str
    report: str
    step: str
    ms: float
    ratio: float
    kb: float | None = None
    pages: int | None = None

    @property
    def size(self):
        if self.kb is None:
            return ""
        return f"{self.kb:,.0f} KB" + (f", {self.pages} pages" if self.pages is not None else "")


def measure(scale, cycle, year, user, repeat, rows, pages):
    from iisg.analysis.selectors import forget_computed
    from iisg.reports.content import build
    from iisg.reports.writers import WRITERS

    arguments = {
        "needs": {"cycle": cycle},
        "response": {"year": year},
        "analysis": {"cycle": cycle, "year": year},
    }
    for kind, given in arguments.items():

        def content(kind=kind, given=given):
            forget_computed()
            return build(kind, user=user, **given)

        baseline = median_ms(content, repeat)
        document = content()
        rows.append(Row(scale, kind, "content (baseline)", baseline, 1.0))
        for fmt in FORMATS:
            data = WRITERS[fmt](document)
            ms = median_ms(lambda fmt=fmt, document=document: WRITERS[fmt](document), repeat)
            page_count = None
            if fmt == "pdf":
                from pypdf import PdfReader

                page_count = len(PdfReader(io.BytesIO(data)).pages)
                if pages is not None:
                    write_pages(data, pages.folder / f"{document.name}", pages.first)
            rows.append(Row(scale, kind, fmt, ms, ms / baseline, len(data) / 1024, page_count))


@dataclasses.dataclass
class Pages:
    folder: Path
    first: int


def write_pages(pdf, stem, first):
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    for index in range(min(first, len(document))):
        image = document[index].render(scale=1.5).to_pil()
        image.save(f"{stem}-page{index + 1}.png")
        print(f"wrote {stem}-page{index + 1}.png", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="demo,tenfold", help="comma-separated: demo, tenfold")
    parser.add_argument("--pages", type=Path, help="write the first pages of each demo PDF here as PNG")
    parser.add_argument("--first", type=int, default=3, help="how many pages of each PDF (with --pages)")
    parser.add_argument("--json", type=Path, help="write the figures to this file as one JSON object")
    args = parser.parse_args()
    scales = args.scales.split(",")
    unknown = set(scales) - set(SCALES)
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(sorted(unknown))}")
    pages = None
    if args.pages is not None:
        args.pages.mkdir(parents=True, exist_ok=True)
        pages = Pages(args.pages.resolve(), args.first)
    drop = prepare_database(args.database, PG_BENCH_DB)
    if args.database == "sqlite":
        drop = remove_folder(os.environ["IISG_VAR_DIR"])
    rows, timings = [], []
    try:
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from bench.scale import generate_support_mapping
        from iisg.demo.services import load_demo
        from iisg.needs.choices import CycleKind
        from iisg.needs.models import Cycle

        load_demo()
        refresh_statistics()
        user = User.objects.get(username="secretariat")
        for scale in scales:
            if SCALES[scale] is None:
                cycle, year = Cycle.objects.get(kind=CycleKind.NEEDS, first_year=2021, last_year=2022), 2022
            else:
                start = time.perf_counter()
                cycle = generate_support_mapping(**SCALES[scale])
                timings.append((scale, time.perf_counter() - start))
                refresh_statistics()
                year = cycle.last_year
            print(f"measuring {scale}: {cycle}, {year}", flush=True)
            measure(scale, cycle, year, user, args.repeat, rows, pages)
            pages = None  # pages of the first scale only
    finally:
        drop()
    print(f"\nReports benchmark — {args.database}, medians of {args.repeat} runs\n")
    for scale, seconds in timings:
        print(f"- generate_support_mapping({scale}): {seconds:.1f} s")
    print("\n| database | scale | report | step | median ms | × content | file |")
    print("|---|---|---|---|---:|---:|---|")
    for row in rows:
        cells = (args.database, row.scale, row.report, row.step, f"{row.ms:,.0f}", f"{row.ratio:,.1f}", row.size)
        print(f"| {' | '.join(cells)} |")
    if args.json:
        write_json(args.json, by_database(args.database, figures(rows, timings, args.repeat)))


def figures(rows, timings, repeat):
    """The rows as the JSON figures: the generation times, every median, file sizes and PDF pages."""
    medians, files, pdf_pages = {}, {}, {}
    for row in rows:
        medians.setdefault(row.scale, {}).setdefault(row.report, {})[row.step] = round(row.ms, 1)
        if row.kb is not None:
            files.setdefault(row.scale, {}).setdefault(row.report, {})[row.step] = round(row.kb, 1)
        if row.pages is not None:
            pdf_pages.setdefault(row.scale, {})[row.report] = row.pages
    return {
        "repeat": repeat,
        "generate_s": {scale: round(seconds, 1) for scale, seconds in timings},
        "medians_ms": medians,
        "files_kb": files,
        "pdf_pages": pdf_pages,
    }


if __name__ == "__main__":
    main()
