"""Consents: scoped, versioned, evidenced, revocable; status computed from the clock."""
