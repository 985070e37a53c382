"""Operations: whether the background work (search sync, mail, webhooks, expiry, erasure)
keeps up, for the people who run the service (`boussole status`, `GET /api/v1/operations`)."""
