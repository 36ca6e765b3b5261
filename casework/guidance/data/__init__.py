"""Shipped guidance versions: one TOML file per version, never edited once released."""
