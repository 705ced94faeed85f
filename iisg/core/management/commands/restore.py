import sys

from django.core.management.base import BaseCommand, CommandError

from iisg.core.backup import BackupFailed, BackupRefused, prepare_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: replaces the whole database, the documents and "
        "the media with the backup's. The backup is checked whole first; a damaged one, one of the "
        "other database engine, or an encrypted one that BACKUP_PASSPHRASE or BACKUP_KEY does not open, "
        "is refused and nothing changes. Nobody is signed in afterwards (a backup holds no sessions). "
        "Stop the web and job processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file (.tar.gz, or .tar.gz.enc when encrypted).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, path, yes, **options):
        try:
            with prepare_restore(path=path) as prepared:
                manifest = prepared.manifest
                rows = sum(manifest["tables"].values())
                files = ", ".join(f"{counted['files']} {name} files" for name, counted in manifest["files"].items())
                self.stdout.write(
                    f"Backup of {manifest['created']}: {manifest['engine']} database, "
                    f"{len(manifest['tables'])} tables, {rows:,} rows; {files}. Checked: complete"
                    + (", decrypted and authenticated." if prepared.encrypted else ".")
                )
                if not yes and not self.confirmed():
                    raise CommandError("Nothing restored.")
                prepared.apply()
        except (BackupRefused, BackupFailed) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS("Restored: the database, the documents and the media are the backup's."))
        if prepared.manifest.get("left_out"):
            self.stdout.write("The backup holds no sessions: nobody is signed in, everyone signs in again.")
        if prepared.unapplied:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(prepared.unapplied)} migrations of this code: run `manage.py migrate`."
                )
            )

    def confirmed(self):
        if not sys.stdin.isatty():
            raise CommandError("Restoring replaces everything: run again with --yes (stdin is not a terminal).")
        answer = input("This replaces the current database, documents and media. Type 'yes' to restore: ")
        return answer.strip().lower() == "yes"
