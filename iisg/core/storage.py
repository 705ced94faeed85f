"""Where private documents are kept, and the checksum of a stored file."""

import hashlib
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class DocumentStorage(FileSystemStorage):
    """Files under settings.DOCUMENTS_ROOT, outside MEDIA_ROOT: never served as media, they leave
    only through the view that checks who may see them.

    The folder is read from the settings at each use, so a test (or a deployment) that changes
    DOCUMENTS_ROOT is honoured without a restart.
    """

    @property
    def base_location(self):
        return settings.DOCUMENTS_ROOT

    @property
    def location(self):
        return os.path.abspath(settings.DOCUMENTS_ROOT)

    def url(self, name):
        # The one address of a document is the view that checks who may see it.
        return reverse("governance:document", kwargs={"name": name})


def document_storage():
    return DocumentStorage()


def file_sha256(path):
    """The SHA-256 of a file, read in blocks (an IATI upload or a backup may be hundreds of MB)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
