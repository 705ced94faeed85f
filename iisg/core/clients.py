"""Who is asking: the address of the person behind a request, through the proxies we trust.

Behind a TLS-terminating proxy, REMOTE_ADDR is the proxy's address for everyone. Each proxy appends
the address it was reached from to X-Forwarded-For, so behind TRUSTED_PROXIES proxies the client's
address is that many entries from the right. Entries further left were sent by the client and can
be anything: they are never read, or anyone could pose as any address (and escape the lock-out).
"""

import ipaddress

from django.conf import settings


def client_address(request):
    """The client's IP address (django-axes locks out per username and this address)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if not hops:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
