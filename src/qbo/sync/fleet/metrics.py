"""Prometheus metrics of a fleet worker, served at an opt-in port (``--metrics-port``).

- ``qbo_fleet_jobs_total{task,outcome}``: jobs finished (ok, error, parked);
- ``qbo_fleet_job_seconds{task}``: how long jobs took;
- ``qbo_fleet_requests_total{realm}``, ``qbo_fleet_throttled_total{realm}``: HTTP
  requests to QuickBooks, and how many were answered 429;
- ``qbo_fleet_lag_seconds{realm}``: time since a realm's last successful pass;
- ``qbo_fleet_realms``: realms in the fleet.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

JOBS = Counter("qbo_fleet_jobs", "Jobs finished, by task and outcome.", ["task", "outcome"])
JOB_SECONDS = Histogram("qbo_fleet_job_seconds", "Job durations.", ["task"])
REQUESTS = Counter("qbo_fleet_requests", "HTTP requests sent to QuickBooks.", ["realm"])
THROTTLED = Counter("qbo_fleet_throttled", "Requests answered 429 (throttled).", ["realm"])
LAG = Gauge("qbo_fleet_lag_seconds", "Seconds since the realm's last good pass.", ["realm"])
REALMS = Gauge("qbo_fleet_realms", "Realms in the fleet.")


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Expose the metrics over HTTP (a daemon thread) for Prometheus to scrape."""
    start_http_server(port, addr=host)
