"""What waits for whom: the back office's home ("My tasks") lists, for the user who opens it, the
tasks every app finds for them.

Each app registers its task finders from its AppConfig.ready() (this module knows no domain): a
finder is a function `finder(user, viewer)` answering an iterable of Task, and it asks only what the
user's role makes relevant (a focal point's returned needs, the Secretariat's submitted ones). A
finder answers nothing rather than a task with a count of zero.
"""

from dataclasses import dataclass

from .permissions import viewer_of

FINDERS = []


@dataclass(frozen=True)
class Task:
    """One line of a user's tasks: what to do, how many, where."""

    title: str
    count: int
    url: str
    detail: str = ""
    # Lower first: what blocks others (a review) before what informs (a finished run).
    order: int = 50


def register(finder):
    """Add a task finder; the same function registered twice is listed once."""
    if finder not in FINDERS:
        FINDERS.append(finder)
    return finder


def tasks_for(user):
    """The tasks of `user`, most pressing first; none for a visitor."""
    viewer = viewer_of(user)
    if viewer.user_id is None:
        return []
    tasks = [task for finder in FINDERS for task in finder(user, viewer) if task.count]
    return sorted(tasks, key=lambda task: (task.order, task.title))
