"""Users, their roles, API tokens and login sessions."""
