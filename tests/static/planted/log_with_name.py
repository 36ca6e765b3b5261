# Planted leak for the static-check tests: never imported, never run.
import logging

logger = logging.getLogger(__name__)


def plant(party_view, cipher, blob):
    logger.info("opened case for %s", party_view.name)
    logger.warning("narrative %s", cipher.decrypt("case_steps", "narrative", blob))
