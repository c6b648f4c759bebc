"""Users, login, roles, permissions and record rules."""
