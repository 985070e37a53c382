"""The status model of a referral: which action each side may take in which status.

sent ──accept──▶ accepted ──close──▶ closed
  │                 │
  ├──decline──▶ declined          (receiving side)
  ├──redirect─▶ redirected ◀──redirect── accepted
  ├──cancel───▶ cancelled ◀──cancel───── accepted   (sending side)
  └──expire───▶ expired                  (the system, when nobody answered in time)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.errors import Conflict, Forbidden

Side = Literal["sender", "receiver", "system"]

OPEN = frozenset({"sent", "accepted"})
FINAL = frozenset({"declined", "redirected", "closed", "cancelled", "expired"})


@dataclass(frozen=True)
class Transition:
    """An action: who may take it, from which statuses, and the status it leads to."""

    action: str
    side: Side
    sources: frozenset[str]
    target: str


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("accept", "receiver", frozenset({"sent"}), "accepted"),
        Transition("decline", "receiver", frozenset({"sent"}), "declined"),
        Transition("redirect", "receiver", OPEN, "redirected"),
        Transition("close", "receiver", frozenset({"accepted"}), "closed"),
        Transition("cancel", "sender", OPEN, "cancelled"),
        Transition("expire", "system", frozenset({"sent"}), "expired"),
    )
}

_SIDE_NAMES = {
    "sender": "the sending organisation",
    "receiver": "the receiving organisation",
    "system": "the system",
}


def transition(action: str, status: str, sides: set[str]) -> Transition:
    """The transition for `action`, after checking the caller's side (403) and the status (409).

    `sides` is where the caller stands: `sender`, `receiver`, or both when the caller
    belongs to the two organisations.
    """
    rule = TRANSITIONS[action]
    if rule.side not in sides:
        raise Forbidden(f"only {_SIDE_NAMES[rule.side]} may {action} a referral")
    if status not in rule.sources:
        allowed = " or ".join(sorted(rule.sources))
        raise Conflict(
            f"a referral that is {status} cannot be {_past(action)}; it must be {allowed}"
        )
    return rule


def _past(action: str) -> str:
    return {
        "accept": "accepted",
        "decline": "declined",
        "redirect": "redirected",
        "close": "closed",
        "cancel": "cancelled",
        "expire": "expired",
    }[action]


def is_final(status: str) -> bool:
    return status in FINAL
