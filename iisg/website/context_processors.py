from iisg.directory.models import KOSOVO_FOOTNOTE


def designation(request):
    """The Kosovo* footnote, printed in the footer of every page that may show the name."""
    return {"KOSOVO_FOOTNOTE": KOSOVO_FOOTNOTE}
