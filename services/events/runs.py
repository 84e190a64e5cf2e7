"""The organiser's scheduling runs in the background: started, their progress saved as they go,
finished with their report, kept.

One run per expo at a time, held by a lease in Redis (a lock that expires unless its holder
renews it), so that every instance of the service sees it and a run whose process died is
known to be over once its lease has lapsed. The solver works in a thread; this loop saves what
it has got to every `SAVE_EVERY_S` seconds."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from enum import StrEnum

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from services.events.access import require_organiser
from services.events.domain import EXPO
from services.events.planner import (
    RunProgress,
    ScheduleReport,
    ScheduleScope,
    require_scheduler,
    run_schedule,
)
from services.events.store import EventsStore
from services.events.views import expo_of
from shared.auth import Principal
from shared.errors import Conflict, NotFound, Problem
from shared.redis_client import text

log = logging.getLogger(__name__)
LEASE_S = 30.0  # a run not renewed for this long is over (its process stopped)
SAVE_EVERY_S = 0.5
LATEST = "latest"


class RunStatus(StrEnum):
    running = "running"
    finished = "finished"
    failed = "failed"


class ScheduleRun(BaseModel):
    id: str
    expo_id: str
    scope: ScheduleScope
    time_limit_seconds: float
    status: RunStatus
    phase: str = Field(
        description="reading, selecting, placing, closing_gaps, committing, then done"
    )
    best_weight: int | None = Field(None, description="The heaviest placement found so far")
    upper_bound: int | None = Field(None, description="Proven: no schedule places more weight")
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    report: ScheduleReport | None = None
    problem: str | None = Field(None, description="Why it failed, in English")
    problem_code: str | None = Field(
        None, description="Why it failed, for a client to translate (`interrupted`, …)"
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RunStore:
    """Every run of an expo in one hash beside the expo's (`latest` names the newest), and the
    lease of the one running."""

    def __init__(self, redis: Redis, store: EventsStore) -> None:
        self.redis = redis
        self.store = store

    def _runs(self, expo_id: str) -> str:
        return self.store.index_key(expo_id, "runs")

    def _lease_key(self, expo_id: str) -> str:
        return self.store.index_key(expo_id, "run-lease")

    def lease(self, expo_id: str) -> Lock:
        """Held by the running run, its token the run's id."""
        return self.redis.lock(self._lease_key(expo_id), timeout=LEASE_S, blocking=False)

    async def save(self, run: ScheduleRun) -> None:
        await self.redis.hset(
            self._runs(run.expo_id), mapping={run.id: run.model_dump_json(), LATEST: run.id}
        )

    async def find(self, expo_id: str, run_id: str = LATEST) -> ScheduleRun | None:
        """The run (the newest by default); one shown as running whose lease lapsed is over."""
        key = self._runs(expo_id)
        chosen = text(await self.redis.hget(key, LATEST)) if run_id == LATEST else run_id
        found = await self.redis.hget(key, chosen) if chosen else None
        if not found:
            return None
        run = ScheduleRun.model_validate_json(found)
        if run.status is RunStatus.running:
            holder = await self.redis.get(self._lease_key(expo_id))
            if holder is None or text(holder) != run.id:
                run = _failed(run, "interrupted", "the service running it stopped; run it again")
                await self.redis.hset(key, run.id, run.model_dump_json())
        return run


def _failed(run: ScheduleRun, code: str, why: str) -> ScheduleRun:
    return run.model_copy(
        update={
            "status": RunStatus.failed,
            "phase": "done",
            "finished_at": _now(),
            "problem": why,
            "problem_code": code,
        }
    )


class Runs:
    """Starts runs as tasks of this process and stops them when it stops."""

    def __init__(self, store: EventsStore, runs: RunStore) -> None:
        self.store = store
        self.runs = runs
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(
        self, principal: Principal, expo_id: str, scope: ScheduleScope, time_limit: float
    ) -> ScheduleRun:
        """Checked now (the organiser, the expo's status, no run going on), then run in the
        background."""
        await self._check(principal, expo_id)
        run = ScheduleRun(
            id=f"run-{secrets.token_hex(6)}",
            expo_id=expo_id,
            scope=scope,
            time_limit_seconds=time_limit,
            status=RunStatus.running,
            phase="reading",
            started_at=_now(),
        )
        lease = await self._lease(expo_id, run.id)
        await self.runs.save(run)
        task = asyncio.create_task(self._run(run, principal, lease))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def now(
        self, principal: Principal, expo_id: str, scope: ScheduleScope, time_limit: float
    ) -> ScheduleReport:
        """A run answered when it is done, under the same one-at-a-time lease."""
        lease = await self._lease(expo_id, f"run-{secrets.token_hex(6)}")
        try:
            return await run_schedule(self.store, principal, expo_id, time_limit, scope)
        finally:
            with suppress(LockError):
                await lease.release()

    async def find(self, principal: Principal, expo_id: str, run_id: str) -> ScheduleRun:
        """A run of the expo (`latest`: the newest), for its organiser."""
        await self._check(principal, expo_id, status_too=False)
        found = await self.runs.find(expo_id, run_id)
        if found is None:
            raise NotFound(
                f"expo {expo_id} has no scheduling run {run_id}", "run_id", code="no-run"
            )
        return found

    async def stop(self) -> None:
        """Cancel the runs of this process; each is saved as interrupted."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def keep(self) -> None:
        """Runs beside the routes until the service stops, then stops the runs."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def _check(self, principal: Principal, expo_id: str, status_too: bool = True) -> None:
        expo = expo_of(await self.store.read(expo_id, [EXPO]), expo_id)
        if status_too:
            require_scheduler(principal, expo)
        else:
            require_organiser(principal, expo)

    async def _lease(self, expo_id: str, run_id: str) -> Lock:
        lease = self.runs.lease(expo_id)
        if not await lease.acquire(token=run_id):
            running = await self.runs.find(expo_id)
            raise Conflict(
                "a scheduling run of this expo is going on; wait for it to finish",
                code="run-in-progress",
                params={"run_id": running.id if running else ""},
            )
        return lease

    async def _run(self, run: ScheduleRun, principal: Principal, lease: Lock) -> None:
        progress = RunProgress()
        work = asyncio.create_task(
            run_schedule(
                self.store, principal, run.expo_id, run.time_limit_seconds, run.scope, progress
            )
        )
        try:
            while not work.done():
                await asyncio.wait({work}, timeout=SAVE_EVERY_S)
                await lease.reacquire()
                run = run.model_copy(
                    update={
                        "phase": progress.phase,
                        "best_weight": progress.best_weight,
                        "upper_bound": progress.upper_bound,
                    }
                )
                await self.runs.save(run)
            report = work.result()
            run = run.model_copy(
                update={
                    "status": RunStatus.finished,
                    "phase": "done",
                    "best_weight": report.scheduled_weight,
                    "upper_bound": report.upper_bound,
                    "finished_at": _now(),
                    "report": report,
                }
            )
        except Problem as refused:
            run = _failed(run, refused.code or refused.kind, refused.detail)
        except asyncio.CancelledError:
            run = _failed(run, "interrupted", "the service running it stopped; run it again")
            raise
        except Exception:
            log.exception("scheduling run %s of expo %s failed", run.id, run.expo_id)
            run = _failed(run, "internal", "the run failed unexpectedly; run it again")
        finally:
            # A run that failed here (its lease lapsed, Redis went away) must not go on to
            # commit a schedule nobody is told of.
            work.cancel()
            await _quietly(lambda: self.runs.save(run))
            await _quietly(lease.release)


async def _quietly(step: Callable[[], Awaitable[object]]) -> None:
    """A last write that must not hide why the run ended (Redis gone, lease lapsed)."""
    try:
        await step()
    except Exception:
        log.warning("could not record the end of a scheduling run", exc_info=True)
