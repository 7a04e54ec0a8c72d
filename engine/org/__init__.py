"""The organisation: units, users, roles, calendars, delegations, and the one access policy."""
