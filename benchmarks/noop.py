"""The no-op Celery task the throughput benchmark measures deliveries against.

Workers started by `benchmarks.throughput` import it (`CELERY_IMPORTS`); it does
nothing, so its rate is what Celery itself costs on this machine with the
deliveries' own settings (Redis, one process per worker, late acknowledgement,
one message prefetched).
"""

from loomworks.celery import app


@app.task(name="benchmarks.noop")
def noop() -> None:
    return None
