"""The named SQL queries of referrals, loaded once."""

from service.db.queries import load

Q = load(__file__)
