"""Enhancement models: registered on one production, never re-bound; status computed at read."""
