"""The affected person's portal: a separate trust boundary (own blueprint, session, CSRF)."""
