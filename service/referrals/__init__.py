"""Guided referrals: a worker sends a person to a partner's service and follows the answer."""
