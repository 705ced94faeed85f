"""Small helpers for what many tests check."""


def error_messages(excinfo):
    """Every message of a raised ValidationError, whatever field it is on."""
    return [message for messages in excinfo.value.message_dict.values() for message in messages]
