import json
import sys

from django.core.management.base import BaseCommand, CommandError

from iisg.analysis.sectors import build_suggester


class Command(BaseCommand):
    help = (
        'Suggest DAC 5-digit sector codes for texts: reads JSON lines {"id": …, "text": …} and writes '
        'JSON lines {"id": …, "codes": [best first]}, trained on the Sector codelist and the sectors of '
        "every action with text."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--input", dest="source", required=True, help="The JSON lines file to read; - for standard input."
        )
        parser.add_argument("--top", type=int, default=10, help="Codes per text, best first (default 10).")
        parser.add_argument(
            "--explain", action="store_true", help="Add each code's score and the words that led there."
        )

    def handle(self, *args, source, top, explain, **options):
        if top < 1:
            raise CommandError("--top is at least 1.")
        if source == "-":
            items = read_items(sys.stdin, "standard input")
        else:
            try:
                with open(source, encoding="utf-8") as lines:
                    items = read_items(lines, source)
            except OSError as error:
                raise CommandError(f"Cannot read {source}: {error.strerror}.") from None
            except UnicodeDecodeError:
                raise CommandError(f"{source} is not UTF-8 text.") from None
        try:
            suggester = build_suggester()
        except ValueError as error:
            raise CommandError(str(error)) from None
        suggestions = suggester.suggest([text for _id, text in items], top=top)
        for (identifier, _text), found in zip(items, suggestions, strict=True):
            row = {"id": identifier, "codes": [suggestion.code for suggestion in found]}
            if explain:
                row["suggestions"] = [{"code": s.code, "score": s.score, "words": list(s.words)} for s in found]
            self.stdout.write(json.dumps(row, ensure_ascii=False))


def read_items(lines, name):
    """The (id, text) of every non-blank JSON line; a line that is not an object with an id and a text
    string is refused with its number, before anything is suggested."""
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(f"{name}, line {number}: not JSON ({error.msg}).") from None
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
            raise CommandError(f'{name}, line {number}: expected an object {{"id": …, "text": "…"}}.')
        items.append((item["id"], item["text"]))
    return items
