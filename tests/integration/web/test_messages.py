"""Every UI message of the public and workspace pages has French and Dutch text, including
the labels the pages look up by code (capacity, statuses, weekdays...)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

from service.i18n import LOCALE_DIR
from service.referrals import labels as referral_labels
from service.web import (
    reports,
    templating,
    workspace_common,
    workspace_edit,
    workspace_network,
    workspace_new_service,
    workspace_places,
    workspace_referrals,
    workspace_services,
    workspace_team,
)

ROOT = Path(__file__).resolve().parents[3]


def _template_messages() -> set[str]:
    found: set[str] = set()
    for page in sorted((ROOT / "templates").rglob("*.html")):
        if "emails" in page.parts or "referrals" in page.parts:
            continue  # mails and the slip have their own per-language templates and labels
        text = page.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', text))
        found |= set(re.findall(r"_\('((?:[^'\\]|\\.)*)'", text))
        for singular, plural in re.findall(r'ngettext\("([^"]*)", "([^"]*)"', text):
            found |= {singular, plural}
    return found


def _python_messages() -> set[str]:
    """Titles and texts handed to pages by the web controllers (`message_page(...)`, problems)."""
    found: set[str] = set()
    for source in sorted((ROOT / "service" / "web").glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("message_page", "_t"):
                    found |= {
                        a.value
                        for a in node.args
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    }
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value in ("problem", "reason_code", "outcome")
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.add(value.value)
    return found


def test_every_message_of_the_pages_is_translated() -> None:
    labels = (
        templating.CAPACITY,
        templating.WHEELCHAIR,
        templating.SITUATIONS,
        referral_labels.STATUS,
        referral_labels.EVENTS,
        referral_labels.DECLINE_REASONS,
        referral_labels.OUTCOMES,
        referral_labels.CONTACTS,
        templating.WRITTEN_IN,
        workspace_edit.GENDERS,
        workspace_edit.SERVICE_STATUSES,
        workspace_edit.FIELD_LABELS,
        workspace_new_service.SERVICE_TYPES,
        workspace_new_service.FIELD_LABELS,
        workspace_places.FIELD_LABELS,
    )
    found = _template_messages() | _python_messages() | set(templating.WEEKDAYS)
    for table in labels:
        found |= set(table.values())
    found |= {message for _, message in workspace_common.FIELD_MESSAGES}
    found |= {message for _, message in workspace_common.DECODING_MESSAGES}
    found |= {workspace_common.NOT_ACCEPTED, workspace_common.LONGER_THAN_LIMIT}
    found |= set(templating.API_FIELD_LABELS.values())
    found |= set(workspace_referrals.REFER_LABELS.values())
    found |= set(workspace_edit.FORM_MESSAGES)
    found |= set(workspace_team.DONE.values()) | set(workspace_network.REFUSALS.values())
    found |= set(reports.KIND_LABELS.values())
    found |= {workspace_referrals.WRITE_A_MESSAGE, workspace_referrals.MESSAGES_CLOSED}
    found |= {reports.SAY_WHAT, reports.CHOOSE_ONE, reports.TOO_MANY}
    found |= {
        workspace_team.NOT_AN_ADMIN,
        workspace_team.NOT_AN_EMAIL,
        workspace_team.ALREADY_A_MEMBER,
        workspace_team.LAST_ADMIN,
        workspace_network.NOT_A_COORDINATOR,
        workspace_services.BAD_TIME,
        workspace_services.CLOSES_WHEN_OPENS,
        workspace_services.OVERLAPS,
        workspace_new_service.CHOOSE_A_TYPE,
        workspace_new_service.NOT_AN_EDITOR,
        workspace_places.NOT_A_POSTAL_CODE,
    }
    french, dutch = _ids("fr"), _ids("nl")
    missing = sorted(m for m in found if m not in french or m not in dutch)
    assert missing == []


def _ids(language: str) -> set[str]:
    """The message ids of a catalogue, singulars and plurals."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        ids: set[str] = set()
        for message in read_po(po):
            ids |= set(message.id) if isinstance(message.id, tuple) else {message.id}
        return ids
