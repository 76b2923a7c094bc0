"""gunicorn settings for this app: `gunicorn --config python:app.serving "app:create_app()"`.

scripts/run, the load script and the benchmarks serve with it. Once a worker has loaded the app:

* it builds the SMS language detector, so a worker's first text does not wait ~0.5 s for it,
  and renders a few replies in every language (catalogs and date formats loaded);
* it configures the ORM's mappers, which SQLAlchemy otherwise does on a worker's first ORM
  query: ~70 ms, measured inside the SMS webhook's turn at the SQLite writer (a retried text's
  first reply look-up), during which every text queued behind it waited;
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
    from sqlalchemy.orm import configure_mappers

    from app.sms import replies
    from app.sms.language import MENU_CODES, latin_detector

    latin_detector()
    with worker.wsgi.test_request_context():
        replies.warm_up(MENU_CODES)
    configure_mappers()
    gc.freeze()
