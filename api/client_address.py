"""
The client's address, the one rule for everything that counts or locks per
address: the login lockout (django-axes calls this through
AXES_CLIENT_IP_CALLABLE) and the API's anonymous throttle.

X-Forwarded-For is written by whoever sends the request, so only its
right-most entries can be believed, and only as many as there are trusted
proxies in front of the app (CLAIMDESK_PROXY_COUNT, from DJANGO_PROXY_COUNT):
each of them appends the address it was reached from, so with N proxies the
client is the N-th entry from the right, and whatever a client wrote further
left is ignored. With no proxy the header is ignored and REMOTE_ADDR is the
client.
"""

from django.conf import settings
from django.http import HttpRequest
from ipware.ip import get_client_ip
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str:
    meta = request.META
    remote = str(meta.get("REMOTE_ADDR", ""))
    proxies: int = settings.CLAIMDESK_PROXY_COUNT
    if proxies <= 0:
        return remote
    address, _ = get_client_ip(
        request,
        proxy_order="left-most",
        # ipware counts the proxies listed in the header; the last proxy is
        # REMOTE_ADDR and lists nobody, hence one less.
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        # Not strict: a chain longer than the proxy count (whatever the
        # client wrote in front) is normal, and its right end still holds.
        strict=False,
    )
    # A shorter chain did not come through every proxy: only the socket is sure.
    return address or remote
