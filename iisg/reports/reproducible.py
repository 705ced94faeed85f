"""The same report gives the same bytes: a Board pack rebuilt years later is compared byte for byte
with the file the Board read. XLSX and DOCX are ZIP archives whose entries carry the time they were
written; here they carry the report's own date instead."""

import datetime
import io
import zipfile

# The earliest date a ZIP entry can hold.
ZIP_EPOCH = datetime.datetime(1980, 1, 1)


def zip_date_time(moment):
    """`moment` as a ZIP entry's date and time (UTC when it is aware; seconds even, as ZIP keeps them)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    moment = max(moment, ZIP_EPOCH)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second - moment.second % 2)


def with_fixed_dates(archive, moment):
    """The ZIP `archive` (bytes) written again with every entry dated `moment`: same entries, same
    order, same compression."""
    date_time = zip_date_time(moment)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=date_time)
            fixed.compress_type = entry.compress_type
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, source.read(entry))
    return out.getvalue()
