from django.core.management.base import BaseCommand, CommandError

from iisg.core.backup import BackupFailed, create_backup


class Command(BaseCommand):
    help = (
        "Back up the platform into one .tar.gz: the database (an online copy, safe while the platform "
        "runs), the documents with the generated reports, the media, and a manifest. "
        "`manage.py restore FILE` puts it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="The file to write (default: var/backups/iisg-<UTC time>.tar.gz).")

    def handle(self, *args, output, **options):
        try:
            backup = create_backup(output=output)
        except BackupFailed as error:
            raise CommandError(str(error)) from None
        manifest = backup.manifest
        rows = sum(manifest["tables"].values())
        files = ", ".join(f"{counted['files']} {name} files" for name, counted in manifest["files"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {backup.path} ({backup.path.stat().st_size:,} bytes): {manifest['engine']} "
                f"database, {len(manifest['tables'])} tables, {rows:,} rows; {files}."
            )
        )
