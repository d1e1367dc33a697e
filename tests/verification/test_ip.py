"""The one trusted-proxy rule for the client's address (rate limits and django-axes)."""

import pytest
from django.test import RequestFactory

from verification.ip import client_ip

PROXY = "10.0.0.2"


def _request(remote: str = PROXY, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_proxies_it_takes_the_connections_address_and_ignores_the_header(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_behind_one_proxy_it_takes_the_address_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="198.51.100.7")) == "198.51.100.7"


def test_a_client_cannot_choose_its_address_by_sending_the_header(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "203.0.113.9"; the proxy appended the address it really came from.
    assert client_ip(_request(forwarded="203.0.113.9, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_it_skips_the_inner_one(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    forwarded = "203.0.113.9, 198.51.100.7, 10.0.0.1"
    assert client_ip(_request(forwarded=forwarded)) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address"])
def test_without_a_usable_header_it_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded=forwarded)) == PROXY


def test_a_header_shorter_than_the_proxy_chain_is_not_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="203.0.113.9")) == PROXY


def test_it_reads_ipv6(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="2001:db8::7")) == "2001:db8::7"
