"""JSON API for oversight bodies: bearer-token auth, marshmallow schemas, OpenAPI."""
