"""The guidance versions shipped with the package, found by version id."""

from functools import cache
from importlib.resources import files

from casework.guidance.errors import GuidanceError
from casework.guidance.loader import parse_guidance
from casework.guidance.model import GuidanceVersion

DEFAULT_VERSION_ID = "2026.1"
_DATA_PACKAGE = "casework.guidance.data"


# Versions registered at run time (an entity's own file, or a test-only version); immutable too.
_registered: dict[str, GuidanceVersion] = {}


def register_version(version: GuidanceVersion) -> None:
    """Make a version loaded from elsewhere available by id; a shipped id cannot be replaced."""
    known = _shipped().get(version.version) or _registered.get(version.version)
    if known is not None and known != version:
        raise GuidanceError("register", 1, "guidance field 'version'", f"{version.version} exists")
    _registered[version.version] = version


def available_versions() -> tuple[str, ...]:
    """Return the ids of every shipped or registered guidance version, oldest first."""
    return tuple(sorted({*_shipped(), *_registered}, key=_version_order))


def load_version(version_id: str) -> GuidanceVersion:
    """Return the guidance version with this id; KeyError if there is none."""
    versions = _shipped()
    if version_id in versions:
        return versions[version_id]
    if version_id in _registered:
        return _registered[version_id]
    raise KeyError(f"no guidance version {version_id!r}")


def default_version() -> GuidanceVersion:
    """Return the version a new entity adopts unless it chooses another."""
    return load_version(DEFAULT_VERSION_ID)


@cache
def _shipped() -> dict[str, GuidanceVersion]:
    # Loaded once per process: versions are immutable, so a cache can never go stale.
    versions: dict[str, GuidanceVersion] = {}
    for resource in sorted(files(_DATA_PACKAGE).iterdir(), key=lambda item: item.name):
        if not resource.name.endswith(".toml"):
            continue
        version = parse_guidance(resource.read_text(encoding="utf-8"), source=resource.name)
        if version.version in versions:
            raise GuidanceError(
                resource.name, 1, "guidance field 'version'", f"{version.version} is shipped twice"
            )
        versions[version.version] = version
    return versions


def _version_order(version_id: str) -> tuple[int, int]:
    year, number = version_id.split(".")
    return int(year), int(number)
