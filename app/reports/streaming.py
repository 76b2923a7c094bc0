"""A query's rows a batch at a time, never all at once, with the least work per row.

SQLite: the driver's own tuples from its cursor (the statement compiled with its values
inline), for statements whose columns need no conversion by SQLAlchemy (text and numbers as
stored). PostgreSQL: a server-side cursor through SQLAlchemy. Started: a query set running
before its rows are wanted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.extensions import db

#: Rows fetched at a time.
BATCH = 20_000


def batches(stmt: Any) -> Iterator[Sequence[Any]]:
    """The statement's rows in batches of up to BATCH."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield from conn.execute(stmt.execution_options(yield_per=BATCH)).partitions()
        return
    sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()


def converted(stmt: Any) -> Iterator[Any]:
    """The statement's rows converted by SQLAlchemy (dates, enums, money), read from the cursor
    as they are wanted: through the session's ORM they would all be fetched first, and a
    grouping of a million jobs can have tens of thousands of groups."""
    return iter(db.session.connection().execute(stmt))


def rows(stmt: Any) -> Iterator[Any]:
    """The statement's rows one by one, read a batch at a time."""
    for batch in batches(stmt):
        yield from batch


class Started:
    """A query started at once on a connection of its own, its rows read later by batches().

    On SQLite the first step of an export's query does nearly all its work (it sorts every
    record), with the interpreter lock released: run on a worker thread, it takes the other
    core while the report's figures are counted, instead of after them. Other databases run
    the query when its rows are first read.
    """

    def __init__(self, stmt: Any) -> None:
        self._stmt = stmt
        self._conn: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._running: Future[Any] | None = None
        if db.session.connection().dialect.name != "sqlite":
            return
        self._conn = db.engine.connect()  # not the session's: it keeps counting meanwhile
        sql = str(stmt.compile(self._conn, compile_kwargs={"literal_binds": True}))
        self._cursor = self._conn.connection.driver_connection.cursor()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-records")
        self._running = self._pool.submit(self._cursor.execute, sql)

    def batches(self) -> Iterator[Sequence[Any]]:
        """The rows in batches of up to BATCH; the connection is closed once they are read."""
        if self._running is None:
            yield from batches(self._stmt)
            return
        try:
            self._running.result()
            while batch := self._cursor.fetchmany(BATCH):
                yield batch
        finally:
            self.close()

    def close(self) -> None:
        """Stop the query if it still runs (the rows are not wanted) and release everything."""
        if self._running is None or self._pool is None:
            return
        stopped = not self._running.done()
        if stopped:
            self._conn.connection.driver_connection.interrupt()
        self._pool.shutdown(wait=True)
        self._cursor.close()
        if stopped:
            self._conn.invalidate()  # never back to the pool after an interrupt
        self._conn.close()
        self._running = self._pool = None
