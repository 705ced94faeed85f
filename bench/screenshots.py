"""Screenshots of each page type of the public website, at desktop and phone width.

    python bench/screenshots.py [BASE_URL] [--out var/screenshots]

BASE_URL (default http://127.0.0.1:8000) is a running site, e.g. `make run` with the demo loaded.
One URL per page type: the fixed pages, and the first pillar, Board meeting, product and event that
the site's sitemap.xml lists. Each is written as <page-type>-<width>.png under the output folder,
with Playwright driving Debian's Chromium (/usr/bin/chromium, or $CHROMIUM).
"""

import argparse
import os
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
FIXED_PAGES = {
    "home": "/",
    "about": "/about/",
    "pillars": "/pillars/",
    "governance": "/governance/",
    "materials": "/materials/",
    "search": "/search/?q=border",
    "accessibility": "/accessibility/",
    "events": "/events/",
    "support-mapping": "/database/",
}
# Page type: the path prefix of its pages in sitemap.xml; the first listed is photographed.
SITEMAP_PAGES = {
    "pillar": "/pillars/",
    "meeting": "/governance/meetings/",
    "product": "/materials/",
    "event": "/events/",
}
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_paths(base_url):
    """The paths sitemap.xml lists, in its order."""
    with urllib.request.urlopen(urljoin(base_url, "/sitemap.xml"), timeout=30) as response:
        tree = etree.fromstring(response.read())
    return [urlsplit(loc.text).path for loc in tree.findall("sm:url/sm:loc", SITEMAP_NS)]


def pages(base_url):
    """(page type, path) of each page to photograph."""
    found = dict(FIXED_PAGES)
    listed = sitemap_paths(base_url)
    for page_type, prefix in SITEMAP_PAGES.items():
        match = next((path for path in listed if path.startswith(prefix) and path != prefix), None)
        if match is None:
            print(f"sitemap.xml lists no {page_type} page; skipped", file=sys.stderr)
        else:
            found[page_type] = match
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    to_visit = pages(args.base_url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for width_name, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                for page_type, path in to_visit.items():
                    response = page.goto(urljoin(args.base_url, path))
                    status = response.status if response else "no response"
                    target = args.out / f"{page_type}-{width_name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(
                        f"{status}  {path}  ->  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
                    )
                    failures += status != 200
                context.close()
        finally:
            browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
