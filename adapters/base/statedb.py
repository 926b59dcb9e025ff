"""The adapter's small SQLite state file: the last published snapshot and the outbox.

One file per province (default ``./.transferhub/adapters/<province>/state.db``):

    entity(key, kind, version, digest, present, seen_run)   what the hub was last told
    outbox(seq, topic, key, value)                          events recorded, not yet acked
    meta(name, value)                                       ``province``, ``run`` counter,
                                                            ``generated`` (the newest export's)

WAL with ``synchronous=NORMAL``: a crash never loses a committed transaction;
a power cut may lose the last one, which only means those events are published
again with the same ids (the hub ignores duplicates). Not ``OFF``: without the
sync at checkpoints a power cut could corrupt the file, and then the snapshot
(what the hub holds) would be lost, not merely re-sent.

``entity`` has no index besides its key: every record of every run writes its
row (``seen_run``), and keeping an index on ``(present, seen_run)`` up to date
cost more than the one full scan a run makes to find what vanished. Older
state files lose that index when opened.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import sqlite3
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import IO

STATE_FILE = "state.db"
LOCK_FILE = "state.lock"
HOLD_POLL_S = 0.1  # how often a run waiting for another's state tries again

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entity (
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    digest BLOB NOT NULL,
    present INTEGER NOT NULL,
    seen_run INTEGER NOT NULL,
    PRIMARY KEY (key, kind)
) WITHOUT ROWID;
DROP INDEX IF EXISTS entity_seen;
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    key BLOB NOT NULL,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StateUnusable(Exception):
    """The state directory cannot serve as this adapter's state (bad usage, exit 2): not a
    folder this user can write, a ``state.db`` that is not a state file, or another
    province's (:class:`StateMismatch`)."""


class StateMismatch(StateUnusable):
    """The state directory belongs to another province's adapter (bad usage, exit 2)."""


def default_state_dir(province: str) -> Path:
    """``./.transferhub/adapters/<province>/`` (``bc``, ``on``, ``sk``)."""
    return Path(".transferhub") / "adapters" / province.lower()


def open_state(state_dir: Path, province: str) -> sqlite3.Connection:
    """Open (creating if needed) the state file of ``province`` under ``state_dir``.

    Raises :class:`StateUnusable` (:class:`StateMismatch` for another province's).
    """
    conn: sqlite3.Connection | None = None
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        # check_same_thread off: a run records chunks in a worker thread, one at a time.
        conn = sqlite3.connect(state_dir / STATE_FILE, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE name = 'province'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('province', ?)", (province,))
    except (OSError, sqlite3.Error) as exc:
        if conn is not None:
            conn.close()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StateUnusable(
            f"the state folder {state_dir} cannot be used ({why}); give --state a folder "
            "this user can write, holding nothing but an adapter's state.db") from None
    if row is not None and row[0] != province:
        conn.close()
        raise StateMismatch(
            f"state in {state_dir} belongs to the {row[0]} adapter, not {province}; "
            "give each province its own --state directory"
        )
    return conn


async def hold_state(state_dir: Path) -> IO[bytes]:
    """Wait until no other run uses the state in ``state_dir``, then hold it until the
    returned file is closed (an exclusive ``flock`` on ``state.lock`` beside ``state.db``;
    the system drops it when the process ends, even killed).

    Waited for in the event loop (a non-blocking ``flock`` tried every
    :data:`HOLD_POLL_S`): a blocking one held the loop, so Ctrl-C (asyncio.run cancels
    the run) went unseen until the other run ended, and the run then went on.

    Two runs at once on one state (a watcher and a run by hand, cron runs that overlap)
    each mark the records they read as seen by their own run: the earlier run, marking
    after the later one had, made the later one find those records unseen, and it revoked
    and retired them although the export holds them (a black-box tester; a revoked rule
    only comes back at a higher version). One run after the other reads as usual.
    """
    try:
        handle = open(state_dir / LOCK_FILE, "ab")  # noqa: SIM115 -- held until the run ends
    except OSError as exc:   # another user's lock file, say: bad usage, not a traceback
        raise StateUnusable(f"{state_dir / LOCK_FILE}: cannot be opened to hold the state "
                            f"({exc.strerror or exc}); every run on a state must be able "
                            "to write it") from None
    try:
        for attempt in itertools.count():
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == 0:   # said once, so that a run that waits is not taken for hung
                    print(f"transferhub adapter: another run is using the state in "
                          f"{state_dir}; waiting for it to end", file=sys.stderr, flush=True)
                await asyncio.sleep(HOLD_POLL_S)
    except BaseException:
        handle.close()
        raise
    return handle


def next_run(conn: sqlite3.Connection) -> int:
    """Start a new run: its number, one more than the last."""
    row = conn.execute("SELECT value FROM meta WHERE name = 'run'").fetchone()
    run = int(row[0]) + 1 if row else 1
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('run', ?)", (str(run),))
    return run


def history_unasked(conn: sqlite3.Connection) -> bool:
    """Whether the broker is still to be asked if the province's topic held events before
    this state's first run: the state remembers no run, or its first run could not ask.

    A state that remembers nothing is marked here (meta ``history``), so that the
    question outlives a first run that fails before the broker answers; a state
    from before this mark, which remembers runs, is never asked.
    """
    if conn.execute("SELECT 1 FROM meta WHERE name = 'history'").fetchone():
        return True
    if (conn.execute("SELECT 1 FROM entity LIMIT 1").fetchone() is None
            and conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is None):
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('history', 'unasked')")
        return True
    return False


def history_asked(conn: sqlite3.Connection) -> None:
    """The broker answered :func:`history_unasked`'s question: it is not asked again."""
    conn.execute("DELETE FROM meta WHERE name = 'history'")


def pending_events(state_dir: Path) -> int:
    """How many events the outbox in ``state_dir`` still holds (0 when there is none, or
    no state file)."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
    except sqlite3.Error:
        return 0


def last_generated(conn: sqlite3.Connection) -> datetime | None:
    """When the newest export this state published was generated, where its format says."""
    row = conn.execute("SELECT value FROM meta WHERE name = 'generated'").fetchone()
    return datetime.fromisoformat(row[0]) if row else None


def record_generated(conn: sqlite3.Connection, moment: datetime) -> None:
    """Remember ``moment`` as the newest export's generation time (kept when older)."""
    last = last_generated(conn)
    if last is None or moment > last:
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('generated', ?)",
                     (moment.isoformat(),))
