"""A report's key people, organisations, groups, places, dates and figures, for its brief.

spaCy's pinned small pipeline (``rag.nlp``, NER only) over the report's body paragraphs (not its
header block); entities are counted, each name under the kind most of its mentions have, and the
most frequent of each kind kept, first mention breaking ties. Without the pipeline a brief simply
has no entities.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from rag.header import parse_header
from rag.read.chunk import split_paragraphs
from rag.text import CALENDAR, RELATIVE_DATE
from rag.types import Entity

log = logging.getLogger(__name__)

#: spaCy label -> the kind a brief shows.
ENTITY_KINDS = {
    "PERSON": "person",
    "ORG": "organisation",
    "NORP": "group",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "DATE": "date",
    "CARDINAL": "figure",
    "QUANTITY": "figure",
    "MONEY": "figure",
    "PERCENT": "figure",
}

#: Most entities kept per kind, and most paragraphs read (a very long report: its opening).
PER_KIND = 6
MAX_PARAGRAPHS = 400

#: Version of the entities' recipe in their stamp (bump it when the extraction changes: entities
#: stored before are then extracted again on first use).
ENTITIES_VERSION = 2

#: The key of a report record's metadata that keeps its entities (as ``rag.answer.brief``'s).
ENTITIES_KEY = "entities"


def report_entities(text: str) -> tuple[Entity, ...]:
    """The key entities of a report's ``text`` (its body: the header block is left out)."""
    try:
        from rag.nlp import NlpModelError, pipeline
    except ImportError:  # pragma: no cover - spaCy is a dependency
        return ()
    paragraphs = split_paragraphs(text)
    body = parse_header(text, paragraphs).body_start
    texts = [" ".join(text[s:e].split()) for s, e in paragraphs if s >= body][:MAX_PARAGRAPHS]
    try:
        nlp = pipeline(("ner",))
    except (NlpModelError, OSError, ImportError):
        return ()
    counts: Counter[tuple[str, str]] = Counter()
    for doc in nlp.pipe(texts, batch_size=32):
        for ent in doc.ents:
            kind = ENTITY_KINDS.get(ent.label_)
            name = POSSESSIVE.sub("", ent.text.strip(" .,;:'\"()"))
            if kind and name and (kind != "date" or names_a_date(name)):
                counts[(kind, name)] += 1
    return _top(one_kind_per_name(counts))


#: A possessive ending ("al Qaida's" names "al Qaida").
POSSESSIVE = re.compile(r"['’]s$")


def names_a_date(name: str) -> bool:
    """A day, month or year ("March 28", "2015", "Tuesday", "last week"), not a span of time
    ("weeks", "the past two months")."""
    return any(ch.isdigit() for ch in name) or bool(CALENDAR.search(name) or RELATIVE_DATE.search(name))


def one_kind_per_name(counts: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """Each name under the kind most of its mentions have (the first mention's on a tie), with
    all its mentions: the small pipeline tags one town a person here and a place there."""
    kinds: dict[str, Counter[str]] = {}
    for kind, name in counts:
        kinds.setdefault(name, Counter())[kind] += counts[(kind, name)]
    merged: Counter[tuple[str, str]] = Counter()
    for (_, name), n in counts.items():  # first-mention order
        merged[(kinds[name].most_common(1)[0][0], name)] += n
    return merged


def _top(counts: Counter[tuple[str, str]]) -> tuple[Entity, ...]:
    """The ``PER_KIND`` most frequent of each kind (``counts`` keeps first-mention order)."""
    out: list[Entity] = []
    for kind in dict.fromkeys(ENTITY_KINDS.values()):
        ranked = sorted(
            ((name, n) for (k, name), n in counts.items() if k == kind), key=lambda item: -item[1]
        )
        out.extend(Entity(text=name, kind=kind, count=n) for name, n in ranked[:PER_KIND])
    return tuple(out)


def entity_rows(entities: Iterable[Entity]) -> list[list[Any]]:
    """Entities as JSON rows ``[kind, text, count]`` (the record's and the worker's)."""
    return [[e.kind, e.text, e.count] for e in entities]


def from_rows(rows: Iterable[Sequence[Any]]) -> tuple[Entity, ...]:
    """The entities of ``entity_rows``' rows."""
    return tuple(Entity(kind=k, text=t, count=int(n)) for k, t, n in rows)


def entities_json(entities: tuple[Entity, ...], content_hash: str) -> str:
    """The JSON a report record keeps its entities in, stamped with the report's version."""
    return json.dumps({"of": f"{ENTITIES_VERSION}/{content_hash}", "entities": entity_rows(entities)})


def entities_from_json(raw: object, content_hash: str) -> tuple[Entity, ...] | None:
    """The entities kept in ``raw`` if they are those of version ``content_hash``, else None."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
        if not data or data["of"] != f"{ENTITIES_VERSION}/{content_hash}":
            return None
        return from_rows(data["entities"])
    except (ValueError, KeyError, TypeError):
        return None


class EntityWorker:
    """A child process (``python -m rag.answer.entities``) that extracts entities at a lower
    priority: one JSON line in (a report's text), one out (its entities). A fresh interpreter,
    not multiprocessing, so the parent's ``__main__`` (a user's script) is never run again."""

    def __init__(self) -> None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rag.answer.entities"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env={**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"},
        )

    def extract(self, text: str) -> tuple[Entity, ...]:
        """The entities of ``text``, from the child; OSError if the child is gone."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(text) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise OSError(f"entity worker ended (exit {self.proc.poll()})")
        return from_rows(json.loads(line))

    def close(self, timeout: float = 10.0) -> None:
        """End the child (it exits when its input closes)."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def worker_main() -> None:
    """The child's loop (``python -m rag.answer.entities``): lower priority, a report per line."""
    out, sys.stdout = sys.stdout, sys.stderr  # nothing but answers on the pipe
    with contextlib.suppress(OSError):  # not allowed: run at the same priority
        os.nice(10)
    for line in sys.stdin:
        out.write(json.dumps(entity_rows(report_entities(json.loads(line)))) + "\n")
        out.flush()


class EntityPass:
    """Extracts the entities of newly ingested reports in a background thread and stores each in
    its report's record, one report at a time (``Settings.brief_entities == "background"``).
    spaCy runs in a worker process at a lower priority (``out_of_process``), so the app's
    questions never wait on it for Python's lock; the worker ends when the pass goes idle. If no
    worker can be started, the thread parses itself.

    ``progress()`` says how many of the queued reports are done; ``wait()`` waits for the pass;
    ``stop()`` (also run at interpreter exit) drops what is queued and waits for the report in
    hand, so the process never ends with spaCy half-way through a report (a crash at exit).
    A report removed or re-ingested meanwhile is skipped (its record's version decides), and a
    brief asked before its report's turn extracts them itself.
    """

    def __init__(self, index: Any, out_of_process: bool = True) -> None:
        self.index = index
        self.out_of_process = out_of_process
        self._worker: EntityWorker | None = None
        self._stopping = False
        self._queue: list[str] = []
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self.done = 0
        self.total = 0
        self._thread: threading.Thread | None = None
        # At exit, wait for the report in hand before anything is torn down: spaCy's BLIS frees
        # its memory in an atexit handler registered after this one (at spaCy's import, in the
        # thread), which ran first and crashed the thread mid-report (`libblis: Aborting`, exit
        # 134 / 139). threading's own exit hooks run before every atexit handler.
        register = getattr(threading, "_register_atexit", None)
        if register is not None:
            register(self.stop)
        else:
            atexit.register(self.stop)

    def add(self, sources: Iterable[str]) -> None:
        """Queue these reports and start the pass if it is not running."""
        with self._lock:
            self._stopping = False
            fresh = [s for s in sources if s not in self._queue]
            if not fresh:
                return
            self._queue += fresh
            self.total += len(fresh)
            if self._idle.is_set():
                self._idle.clear()
                self._thread = threading.Thread(target=self._run, name="entity-pass", daemon=True)
                self._thread.start()

    def progress(self) -> tuple[int, int]:
        """(reports done, reports queued) since the pass last went idle."""
        with self._lock:
            return self.done, self.total

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every queued report is done; False if ``timeout`` seconds passed first."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """Drop the queued reports (a brief extracts their entities when asked) and wait up to
        ``timeout`` seconds for the one in hand."""
        with self._lock:
            self._queue.clear()
            self._stopping = True
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    def _run(self) -> None:
        worker: EntityWorker | None = None
        while True:
            with self._lock:
                if not self._queue:
                    self.done = self.total = 0
                    worker, self._worker = self._worker, None
                    self._idle.set()
                    break
                source = self._queue.pop(0)
            try:
                self._one(source)
            except Exception as err:  # the index changed under us: a brief will extract them
                log.warning("entities of %s not stored: %s", source, err)
            with self._lock:
                self.done += 1
                log.info("entities: %d of %d reports", self.done, self.total)
        if worker is not None:  # idle: free the worker's memory (a new pass starts another)
            worker.close()

    def _extract(self, text: str) -> tuple[Entity, ...]:
        """``report_entities(text)``, in the worker process when there is one."""
        if self.out_of_process:
            with self._lock:
                if self._worker is None and not self._stopping:
                    try:
                        self._worker = EntityWorker()
                    except OSError as err:  # pragma: no cover - no processes here
                        log.warning("entity worker not started (%s): parsing in the thread", err)
                        self.out_of_process = False
                worker = self._worker
            if worker is not None:
                try:
                    return worker.extract(text)
                except (OSError, ValueError) as err:  # the worker died, or was ended at exit
                    if self._stopping:
                        raise
                    log.warning("entity worker failed (%s): parsing in the thread", err)
                    self.out_of_process = False
        return report_entities(text)

    def _one(self, source: str) -> None:
        """Extract and store one report's entities unless its record already has current ones."""
        found = self.index.store.get_record(source)
        if found is None:
            return
        report, meta = found
        if entities_from_json(meta.get(ENTITIES_KEY), report.content_hash) is None:
            values = {ENTITIES_KEY: entities_json(self._extract(report.text), report.content_hash)}
            self.index.store.annotate_report(source, report.content_hash, values)


if __name__ == "__main__":
    worker_main()
