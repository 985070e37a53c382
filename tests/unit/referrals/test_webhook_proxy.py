"""Which proxy webhook calls go through, and how its address is read."""

from __future__ import annotations

import base64

import pytest

from service.referrals.webhooks import Proxy, Target, proxy_for
from service.settings import Settings

TARGET = Target("https", "hooks.example.org", 443, "/boussole", ("203.0.113.7",))


def test_the_proxy_comes_from_boussole_s_setting_else_https_proxy() -> None:
    assert Settings.from_env({}).webhook_proxy is None
    assert Settings.from_env({"HTTPS_PROXY": "http://proxy:3128"}).webhook_proxy == (
        "http://proxy:3128"
    )
    assert Settings.from_env({"https_proxy": "proxy:8080"}).webhook_proxy == "proxy:8080"
    both = {"HTTPS_PROXY": "http://proxy:3128", "BOUSSOLE_WEBHOOK_PROXY": "http://other:3129"}
    assert Settings.from_env(both).webhook_proxy == "http://other:3129"


def test_a_proxy_address_with_credentials() -> None:
    proxy = Proxy.parse("http://ville%40la:s%C3%A9same@proxy.city.example:8080")
    assert (proxy.host, proxy.port) == ("proxy.city.example", 8080)
    assert proxy.authorization is not None
    user, _, password = base64.b64decode(proxy.authorization.split()[1]).decode().partition(":")
    assert (user, password) == ("ville@la", "sésame")
    assert Proxy.parse("proxy.city.example") == Proxy("proxy.city.example", 3128)
    with pytest.raises(ValueError, match="no host"):
        Proxy.parse("http://:3128")


def test_no_proxy_names_hosts_called_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    assert proxy_for(TARGET, None) is None
    monkeypatch.setenv("NO_PROXY", "intranet.example,.example.org")
    assert proxy_for(TARGET, "http://proxy:3128") is None
    monkeypatch.setenv("NO_PROXY", "intranet.example")
    assert proxy_for(TARGET, "http://proxy:3128") == Proxy("proxy", 3128)
