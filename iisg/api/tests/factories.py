"""API tokens for tests, issued as their owner would (iisg.api.services.issue_token)."""

from rest_framework.test import APIClient

from iisg.api.services import issue_token


def token_key(user, *, name="Test script", expires=None):
    """The key of a new token of `user`: what a script sends as `Authorization: Token <key>`."""
    return issue_token(user=user, name=name, expires=expires).key


def token_client(user, **token):
    """An API client that sends a new token of `user`, as a script would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_key(user, **token)}")
    return client
