"""Oversight bodies' access: bearer tokens scoped to the system and/or entities."""
