from django import template

from ..threads import REPLY_LENGTH, may_take_part, thread

register = template.Library()


@register.inclusion_tag("workplace/thread.html", takes_context=True)
def conversation(context, target):
    """The conversation on `target` for the user of the request, with the reply form for those who
    take part."""
    request = context["request"]
    return {
        "target": target,
        "label": target._meta.label_lower,
        "entries": thread(target, user=request.user),
        "may_reply": may_take_part(request.user, target),
        "reply_length": REPLY_LENGTH,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
