"""The back office's home lists the user's tasks (iisg.core.worklist): `{% load worklist %}{% my_tasks %}`."""

from django import template

from ..worklist import tasks_for, usual_work

register = template.Library()


@register.inclusion_tag("admin/worklist.html", takes_context=True)
def my_tasks(context):
    """What waits for the user of the request, or, when nothing does, what their roles usually do."""
    user = context["request"].user
    return {"tasks": tasks_for(user), "usual_work": usual_work(user)}
