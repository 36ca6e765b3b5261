"""Prometheus metrics: request latency, outbox backlog, queue depth, alerts, overdue cases.

Under gunicorn (casework/gunicorn_conf.py sets PROMETHEUS_MULTIPROC_DIR before the app is
imported) every worker writes its latency observations to files in that directory and a scrape,
whichever worker answers it, sums the files of all workers. Without the variable (the Flask test
client, `flask run`) the histogram lives in this process's registry.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from casework.boundary import app_settings, now, session
from casework.system.gauges import alerts_by_threshold, outbox_counts, overdue_case_count

blueprint = Blueprint("metrics", __name__)
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class DatabaseCollector(Collector):
    """Reads the operational gauges from the database when Prometheus scrapes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list[GaugeMetricFamily]:
        """Describe nothing up front, so registering does not query the database."""
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges; an unreachable database yields nothing rather than failing."""
        with self.app.app_context():
            try:
                outbox = outbox_counts(session())
                alerts = alerts_by_threshold(session())
                overdue = overdue_case_count(session(), now())
            except Exception:  # a scrape must not fail because a gauge could not be read
                session().rollback()
                return
        backlog = GaugeMetricFamily(
            "casework_outbox_rows", "Outbox rows by status", labels=["status"]
        )
        for status, count in sorted(outbox.items()):
            backlog.add_metric([status], count)
        yield backlog
        raised = GaugeMetricFamily(
            "casework_alerts_raised", "Deadline alerts raised", labels=["level"]
        )
        for level, count in sorted(alerts.items()):
            raised.add_metric([level], count)
        yield raised
        yield GaugeMetricFamily(
            "casework_overdue_cases", "Open cases past a deadline", value=overdue
        )
        depth = _queue_depth(self.app)
        if depth is not None:
            yield GaugeMetricFamily(
                "casework_queue_depth", "Messages waiting in the broker", value=depth
            )


def _queue_depth(app: Flask) -> int | None:
    settings = app_settings(app)
    if not settings.broker_url.startswith("redis"):
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=1)
        return int(client.llen("celery"))
    except redis.RedisError:
        return None


def init_metrics(app: Flask) -> None:
    """Give the app an exposition registry: request latency (of every worker) and database gauges."""
    registry = CollectorRegistry()
    shared = os.environ.get(MULTIPROCESS_VARIABLE)
    if shared:
        # The collector reads every worker's files, this one's included: registering the
        # histogram here as well would expose this worker's observations twice.
        MultiProcessCollector(registry, path=shared)  # type: ignore[no-untyped-call]
    latency = Histogram(
        "casework_request_seconds",
        "Request latency by endpoint",
        ["endpoint", "method", "status"],
        registry=None if shared else registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    )
    # Read from the database at scrape time, so the same in every worker: never summed.
    registry.register(DatabaseCollector(app))
    app.extensions["casework.metrics"] = registry

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            endpoint = request.endpoint or "unmatched"
            latency.labels(endpoint, request.method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response


def _scrape_refused() -> Response | None:
    """401 unless the request carries the configured metrics token (if one is configured)."""
    token = app_settings().metrics_token
    if token is None:
        return None
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode()):
        return None
    response = Response(
        "send Authorization: Bearer <CASEWORK_METRICS_TOKEN>\n", status=401, mimetype="text/plain"
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="casework-metrics"'
    return response


@blueprint.get("/metrics")
def metrics() -> Response:
    """Expose the metrics in Prometheus's text format (to the token holder, if one is set)."""
    refused = _scrape_refused()
    if refused is not None:
        return refused
    registry: CollectorRegistry = current_app.extensions["casework.metrics"]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
