"""Benchmark of hostile Excel workbooks: how long the upload's reading takes to refuse each, and
how much memory it costs.

    python bench/workbook_hostile.py [--repeat N] [--json PATH]

It generates the hostile files (a sheet that unpacks to ~200 MB from ~600 KB, a 1.5 MB file of
many rows, very wide rows, a huge list of shared texts, many sheets, a styles part of too many
cell formats) and a legitimate 5,000-row needs workbook, the baseline. Each file is read by
`iisg.core.workbook.read_workbook` against the needs sheet, the path of every needs and actions
upload, in a subprocess of its own so that its peak memory is its own: seconds and extra peak MB
(the resident size sampled every 2 ms while reading, less the size before), medians over N runs,
and whether it was refused.
No database is needed: the reading is done before any row is checked against one.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADERS = ["Reference", "Partner", "Pillar", "Area code", "Type", "Perspective", "Title", "Description",
           "Priority", "Justification", "Responsible institution", "Status", "Version"]  # fmt: skip

# Run in the subprocess: read the file, print seconds, extra peak MB and the refusal.
CHILD = """
import os, sys, threading, time
import django
django.setup()
from iisg.core import workbook as wb
from iisg.needs.workbook import SHEET
PAGE = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE
data = open(sys.argv[1], "rb").read()
# The resident size is sampled every 2 ms while the file is read: the peak of the reading itself,
# not of Django's start (ru_maxrss would hide a reading that peaks below the start's peak).
before = rss()
peak = [before]
done = threading.Event()
def sample():
    while not done.wait(0.002):
        peak[0] = max(peak[0], rss())
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
start = time.perf_counter()
try:
    reading = wb.read_workbook(data, [SHEET])
    refusal = ""
except wb.WorkbookRejected as rejection:
    refusal = rejection.message
seconds = time.perf_counter() - start
peak[0] = max(peak[0], rss())
done.set()
sampler.join()
print(seconds, (peak[0] - before) / 1024 / 1024, refusal, sep="\\t")
"""


def workbook(rows, extra=0):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Needs"
    sheet.append(HEADERS + [f"Note {n}" for n in range(extra)])
    for n in range(rows):
        sheet.append([f"RS-WBBSi-{n:05d}", "Serbia", "WBBSi", "2.3", "Operational", "Prevention", f"Need {n}",
                      "Equipment and training for border police units.", "High", "Gaps found.", "Ministry",
                      "Draft", None] + ["x"] * extra)  # fmt: skip
    written = io.BytesIO()
    book.save(written)
    return written.getvalue()


def rezip(data, change, added=None):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, change(entry.filename, source.read(entry.filename)))
        for name, content in (added or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def in_part(part, edit):
    return lambda name, content: edit(content) if name == part else content


def many_rows():
    """Rows of one small cell each, as many as fit a 1.5 MB file: a short cell compresses well."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>RS-{n}</t></is></c></row>' for n in range(2, 400_000)
    )
    return rezip(
        workbook(0),
        in_part("xl/worksheets/sheet1.xml", lambda c: c.replace(b"</sheetData>", rows.encode() + b"</sheetData>")),
    )


def wide_rows():
    cells = "".join(f'<c r="{_letters(n)}{{r}}"><v>1</v></c>' for n in range(20, 16_384))
    rows = "".join(f'<row r="{r}">' + cells.replace("{r}", str(r)) + "</row>" for r in range(2, 60))
    return rezip(
        workbook(0),
        in_part("xl/worksheets/sheet1.xml", lambda c: c.replace(b"</sheetData>", rows.encode() + b"</sheetData>")),
    )


def _letters(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def shared_texts():
    texts = "".join(f"<si><t>{n}</t></si>" for n in range(2_000_000))
    relation = (b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')  # fmt: skip
    return rezip(
        workbook(10),
        in_part("xl/_rels/workbook.xml.rels", lambda c: c.replace(b"</Relationships>", relation)),
        {"xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{texts}</sst>'},
    )


def many_sheets():
    relationships = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheets = b"".join(
        b'<sheet xmlns:r="%s" name="S%d" sheetId="%d" r:id="rId1"/>' % (relationships, n, n + 10) for n in range(5_000)
    )
    return rezip(workbook(10), in_part("xl/workbook.xml", lambda c: c.replace(b"</sheets>", sheets + b"</sheets>")))


def styles():
    def edit(content):
        head, tail = content.split(b"</cellXfs>", 1)
        return head + b'<xf numFmtId="0"/>' * 500_000 + b"</cellXfs>" + tail

    return rezip(workbook(10), in_part("xl/styles.xml", edit))


def bomb():
    padding = b" " * int(199.5 * MB)
    return rezip(
        workbook(10),
        in_part("xl/worksheets/sheet1.xml", lambda c: c.replace(b"</sheetData>", b"</sheetData>" + padding)),
    )


CASES = {
    "legitimate 5,000 rows (baseline)": lambda: workbook(5_000),
    "zip bomb: a sheet of ~200 MB unpacked": bomb,
    "many rows": many_rows,
    "very wide rows": wide_rows,
    "huge shared texts": shared_texts,
    "many sheets": many_sheets,
    "styles bomb": styles,
}


def run(path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iisg.settings", "PYTHONPATH": str(ROOT)}
    env["IISG_VAR_DIR"] = env.get("IISG_VAR_DIR") or tempfile.mkdtemp(prefix="iisg-bench-hostile-")
    out = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True, env=env, check=True)
    seconds, extra, refusal = out.stdout.rstrip("\n").splitlines()[-1].split("\t", 2)
    return float(seconds), float(extra), refusal


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the figures to this file as JSON")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name, make in CASES.items():
            data = make()
            path = os.path.join(folder, "case.xlsx")
            Path(path).write_bytes(data)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(entry.file_size for entry in archive.infolist())
            runs = [run(path) for _ in range(args.repeat)]
            results.append({
                "case": name, "file_kb": len(data) // 1024, "unpacked_mb": round(unpacked / MB, 1),
                "seconds": round(statistics.median(r[0] for r in runs), 3),
                "extra_peak_mb": round(statistics.median(r[1] for r in runs), 1),
                "refused": bool(runs[0][2]), "message": runs[0][2],
            })  # fmt: skip
    print(f"\nIISG hostile workbook benchmark — medians of {args.repeat} runs, each in its own process\n")
    print("| case | file KB | unpacked MB | seconds | extra peak MB | refused |\n|---|---:|---:|---:|---:|---|")
    for r in results:
        figures = (r["case"], r["file_kb"], r["unpacked_mb"], r["seconds"], r["extra_peak_mb"], r["refused"])
        print("| " + " | ".join(str(figure) for figure in figures) + " |")
    for r in results:
        print(f"- {r['case']}: {r['message'] or 'read'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
