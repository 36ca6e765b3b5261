"""Notifications: the transactional outbox, deadline alerts, milestone disclosures, channels."""
