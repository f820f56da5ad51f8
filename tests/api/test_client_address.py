"""The client's address: only as many X-Forwarded-For entries as there are trusted proxies."""

import pytest
from django.test import RequestFactory

from api.client_address import client_address

LOAD_BALANCER = "10.0.0.2"


def request_from(remote: str = LOAD_BALANCER, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def proxies(settings):
    def count(n: int) -> None:
        settings.CLAIMDESK_PROXY_COUNT = n

    return count


def test_without_a_proxy_forwarded_for_is_ignored(proxies):
    proxies(0)
    assert client_address(request_from("203.0.113.7", "8.8.8.8")) == "203.0.113.7"


def test_behind_one_proxy_the_entry_it_appended_is_the_client(proxies):
    proxies(1)
    assert client_address(request_from(forwarded="203.0.113.7")) == "203.0.113.7"


def test_behind_one_proxy_what_the_client_wrote_in_front_is_ignored(proxies):
    proxies(1)
    request = request_from(forwarded="8.8.8.8, 192.0.2.1, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(proxies):
    proxies(2)
    request = request_from(forwarded="8.8.8.8, 203.0.113.7, 10.0.0.9")
    assert client_address(request) == "203.0.113.7"


def test_a_private_client_address_is_still_the_client(proxies):
    # A newsroom's own network behind an internal load balancer.
    proxies(1)
    assert client_address(request_from(forwarded="192.168.1.20")) == "192.168.1.20"


def test_a_request_that_skipped_the_proxy_counts_as_its_socket(proxies):
    proxies(1)
    assert client_address(request_from("203.0.113.7")) == "203.0.113.7"


def test_a_chain_shorter_than_the_proxies_counts_as_its_socket(proxies):
    proxies(2)
    assert client_address(request_from(forwarded="8.8.8.8")) == LOAD_BALANCER


def test_a_port_the_proxy_added_is_dropped(proxies):
    proxies(1)
    assert client_address(request_from(forwarded="203.0.113.7:51234")) == "203.0.113.7"


def test_ipv6_clients_are_read_too(proxies):
    proxies(1)
    assert client_address(request_from(forwarded="2001:db8::7")) == "2001:db8::7"
