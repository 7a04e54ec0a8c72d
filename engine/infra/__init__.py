"""Infrastructure: database, settings, clock, typed errors, the audit trail, migrations, transports."""
