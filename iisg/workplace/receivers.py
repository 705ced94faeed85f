"""Who is told of each workflow step (iisg.core.events): one function per step, answering the
notifications to make; `step_done` turns them into notifications and mail."""


def step_done(sender, event, **kwargs):
    pass
