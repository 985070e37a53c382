"""People and their rights: users, memberships in organisations, API tokens."""
