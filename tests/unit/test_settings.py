"""Settings read from the environment: the address that links in mails point to."""

from __future__ import annotations

from service.settings import Settings


def test_links_follow_the_port_served_on_unless_the_public_address_is_given() -> None:
    # `serve --demo --port 8101` mailed sign-in links and invitations to port 8000.
    assert Settings.from_env({}).public_url == "http://127.0.0.1:8000"
    assert Settings.from_env({"BOUSSOLE_PORT": "8101"}).public_url == "http://127.0.0.1:8101"
    served = Settings.from_env({}).listening_on(None, 8101)
    assert (served.port, served.public_url) == (8101, "http://127.0.0.1:8101")
    anywhere = Settings.from_env({}).listening_on("::", None)  # every interface
    assert (anywhere.host, anywhere.public_url) == ("::", "http://127.0.0.1:8000")
    assert Settings.from_env({}).listening_on("::1", None).public_url == "http://[::1]:8000"
    given = Settings.from_env({"BOUSSOLE_PUBLIC_URL": "https://boussole.example.be"})
    assert given.listening_on("::", 8101).public_url == "https://boussole.example.be"
