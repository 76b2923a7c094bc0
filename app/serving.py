"""gunicorn settings for this app: `gunicorn --config python:app.serving "app:create_app()"`.

scripts/run, the load script and the benchmarks serve with it. Once a worker has loaded the app:

* it builds the SMS language detector, so a worker's first text does not wait ~0.5 s for it;
* it freezes the garbage collector's view of everything loaded so far (gc.freeze). A full
  collection otherwise walks every object of the app and its libraries (phone-number metadata,
  catalogs, mappers): a pause measured at ~110 ms, during which a webhook, and every webhook
  queued behind the database's write lock, waited.
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook, in each worker after the app is loaded: warm up, then freeze."""
    from app.sms.language import latin_detector

    latin_detector()
    gc.freeze()
