from django.core.management.base import BaseCommand, CommandError

from iisg.core.backup import BackupFailed, create_backup, default_folder


class Command(BaseCommand):
    help = (
        "Back up the platform into one file readable by its owner only: the database (an online copy, "
        "safe while the platform runs, without the sessions), the documents with the generated reports, "
        "the media, and a manifest; a .tar.gz, or a .tar.gz.enc encrypted with BACKUP_PASSPHRASE or "
        "BACKUP_KEY when one is set. `manage.py restore FILE` puts it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="The file to write (default: var/backups/iisg-<UTC time>.tar.gz, or .tar.gz.enc)."
        )

    def handle(self, *args, output, **options):
        try:
            backup = create_backup(output=output)
        except BackupFailed as error:
            raise CommandError(str(error)) from None
        if backup.tightened_from is not None:
            self.stdout.write(
                self.style.WARNING(
                    f"{default_folder()} was open to other users ({backup.tightened_from:04o}): "
                    "now 0700, its owner's only."
                )
            )
        manifest = backup.manifest
        rows = sum(manifest["tables"].values())
        files = ", ".join(f"{counted['files']} {name} files" for name, counted in manifest["files"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {backup.path} ({backup.path.stat().st_size:,} bytes, owner only): "
                f"{manifest['engine']} database, {len(manifest['tables'])} tables, {rows:,} rows, "
                f"sessions left out; {files}."
            )
        )
        if backup.encrypted:
            self.stdout.write("Encrypted: restoring it needs the same BACKUP_PASSPHRASE or BACKUP_KEY.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    "Not encrypted: it holds password hashes and two-factor keys in clear. "
                    "Set BACKUP_PASSPHRASE or BACKUP_KEY to encrypt it."
                )
            )
