"""Import IATI activity files into the response mapping: streaming, idempotent, all or nothing.

`import_file` reads a file with the streaming parser (iisg.iati.parser) and writes each accepted
activity as an Action with its participants, sectors, recipients, money and links, in batches,
inside ONE transaction: a file refused as a whole (not well formed, a DTD) leaves the database
exactly as it was. The key is the IATI identifier:

- an activity whose bytes are unchanged since the last import is skipped (content hash);
- a newer `last-updated-datetime` updates the action; an older one is skipped and counted;
- the same identifier from another file: the owner's report (not a secondary reporter) wins over
  a secondary one, then the newer one; otherwise the action already there stays, and the summary
  lists the conflict;
- an action imported earlier from the same file (by name) and missing from it now is withdrawn:
  kept, with its history, but no longer counted.

Organisations are matched by IATI reference, then by normalised name, and are never duplicated.
Imported actions do not enter the adopted figures by themselves: they respond to needs only through
responses that a person proposes and the Secretariat confirms.

An import started from the back office records what it did to each action under its ImportRun
(`changes`), so that iisg.iati.services.rollback_import can undo it.

The modules: `run` (the import of one file and its Summary), `children` (an action's child rows),
`organisations` (matching organisations), `columns` (what the tables can hold), `changes` (what a
run did, and undoing it).
"""

from .children import CHILDREN, MAX_MONEY
from .organisations import EU_MEMBER_STATES
from .run import BATCH_SIZE, COUNTS, Summary, import_file

__all__ = ["BATCH_SIZE", "CHILDREN", "COUNTS", "EU_MEMBER_STATES", "MAX_MONEY", "Summary", "import_file"]
