"""The web app's Redis keys: accounts (with their `identity` events, through the outbox), the
index of accounts by e-mail address, and sessions.

An account is one JSON value under the hash tag of its outbox shard, so a change and its event
commit in one MULTI/EXEC. The e-mail index is sharded by address, so it cannot join that
transaction on a Redis Cluster: a new account first claims its address (HSETNX, atomic), then
commits; a claim whose account never committed (a crash between the two) points at nothing
and is taken over by the next account for that address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from services.web.accounts import Account, Decision, create_account, email_key
from services.web.links import NewLink, OneTimeLink, Purpose, digest_of, use
from shared.contracts import topics
from shared.contracts.identity import AccountRole, Language
from shared.errors import NotFound
from shared.outbox import Outbox
from shared.redis_client import make_redis, text
from shared.settings import local_settings

SERVICE = "web"


def new_account_id() -> str:
    return f"acc-{secrets.token_hex(6)}"


class AccountStore:
    def __init__(self, redis: Redis, outbox: Outbox) -> None:
        self.redis = redis
        self.outbox = outbox

    def _key(self, account_id: str) -> str:
        return f"{self.outbox.tag(account_id)}:account:{account_id}"

    def _emails(self, email: str) -> str:
        return f"{self.outbox.tag(email_key(email))}:account-emails"

    async def load(self, account_id: str) -> Account:
        raw = await self.redis.get(self._key(account_id))
        if raw is None:
            raise NotFound(f"no account {account_id}")
        return Account.model_validate_json(raw)

    async def find(self, account_id: str) -> Account | None:
        raw = await self.redis.get(self._key(account_id))
        return None if raw is None else Account.model_validate_json(raw)

    async def find_many(self, account_ids: list[str]) -> dict[str, Account]:
        """The accounts that exist among `account_ids`, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for account_id in account_ids:
            pipe.get(self._key(account_id))
        found = [Account.model_validate_json(raw) for raw in await pipe.execute() if raw]
        return {account.id: account for account in found}

    async def by_email(self, email: str) -> Account | None:
        claimed = await self.redis.hget(self._emails(email), email_key(email))
        return None if claimed is None else await self.find(text(claimed))

    async def create(
        self, account_id: str, email: str, decide: Callable[[Account | None], Decision]
    ) -> Account:
        """Claim `email` for `account_id`, decide on whoever holds it already, and commit the
        new account with its event; a refused decision leaves no claim behind."""
        index, field = self._emails(email), email_key(email)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(index)
                    claimed = await pipe.hget(index, field)
                    holder = None if claimed is None else await self.find(text(claimed))
                    decision = decide(holder)  # raises when the address is taken
                    pipe.multi()
                    pipe.hset(index, field, account_id)
                    await pipe.execute()
                    break
                except WatchError:
                    continue
        try:
            await self._commit(decision)
        except BaseException:
            await self.redis.hdel(index, field)
            raise
        return decision.account

    async def create_staff(
        self,
        account_id: str | None,
        email: str,
        name: str,
        role: AccountRole,
        language: Language,
        password_hash: str,
    ) -> Account:
        chosen = account_id or new_account_id()
        return await self.create(
            chosen,
            email,
            lambda holder: create_account(
                holder, chosen, email, name, role, language, password_hash
            ),
        )

    async def change(self, account_id: str, decide: Callable[[Account], Decision]) -> Account:
        key = self._key(account_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        raise NotFound(f"no account {account_id}")
                    current = Account.model_validate_json(raw)
                    decision = decide(current)
                    if decision.account.version == current.version:
                        await pipe.reset()
                        return decision.account
                    pipe.multi()
                    self._queue(pipe, decision)
                    await pipe.execute()
                    return decision.account
                except WatchError:
                    continue

    async def _commit(self, decision: Decision) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            self._queue(pipe, decision)
            await pipe.execute()

    def _queue(self, pipe: Pipeline, decision: Decision) -> None:
        account = decision.account
        pipe.set(self._key(account.id), account.model_dump_json())
        for event in decision.events:
            self.outbox.stage(pipe, event, shard_key=account.id)


# -- invitations and the audit of acting as someone -----------------------------------------------
class LinkStore:
    """One-time links by the digest of their token, kept until they expire; using one is a
    WATCHed transaction, so two clicks on one link count once."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @staticmethod
    def _key(digest: str) -> str:
        return f"web:link:{digest}"

    async def save(self, *made: NewLink) -> None:
        """Keep the links (many in one round trip: an expo's invitations at once)."""
        pipe = self.redis.pipeline(transaction=False)
        for new in made:
            expires = int(new.link.expires_at.timestamp())
            pipe.set(self._key(new.digest), new.link.model_dump_json(), exat=expires)
        await pipe.execute()

    async def find(self, token: str) -> OneTimeLink | None:
        raw = await self.redis.get(self._key(digest_of(token)))
        return None if raw is None else OneTimeLink.model_validate_json(raw)

    async def use(self, token: str, purpose: Purpose, now: dt.datetime) -> OneTimeLink:
        key = self._key(digest_of(token))
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    stored = None if raw is None else OneTimeLink.model_validate_json(raw)
                    used = use(stored, purpose, now)
                    pipe.multi()
                    pipe.set(key, used.model_dump_json(), keepttl=True)
                    await pipe.execute()
                    return used
                except WatchError:
                    continue


class AuditTrail:
    """Who acted as whom, and when: one stream per participant's account, read on their page."""

    MAX_ENTRIES = 1000  # per account; an expo's worth of help many times over

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @staticmethod
    def _key(account_id: str) -> str:
        return f"web:audit:{account_id}"

    async def record(self, account_id: str, actor: str, action: str, at: dt.datetime) -> None:
        await self.redis.xadd(
            self._key(account_id),
            {"actor": actor, "action": action, "at": at.isoformat()},
            maxlen=self.MAX_ENTRIES,
            approximate=True,
        )

    async def entries(self, account_id: str, count: int = 20) -> list[dict[str, str]]:
        found = await self.redis.xrevrange(self._key(account_id), count=count)
        return [{text(k): text(v) for k, v in fields.items()} for _, fields in found]


# -- password resets ------------------------------------------------------------------------------
class ResetRequests:
    """The staff accounts that asked for a new password, for the organisers' list."""

    KEY = "web:reset-asked"

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def ask(self, account_id: str, at: dt.datetime) -> None:
        await self.redis.hset(self.KEY, account_id, at.isoformat())

    async def asked(self) -> dict[str, str]:
        return {text(k): text(v) for k, v in (await self.redis.hgetall(self.KEY)).items()}

    async def answered(self, account_id: str) -> None:
        await self.redis.hdel(self.KEY, account_id)


# -- imports between upload and confirmation ------------------------------------------------------
class StoredImport(BaseModel):
    account_id: str  # who uploaded it: nobody else sees it
    expo_id: str
    kind: str = "delegates"  # or exhibitors
    filename: str
    headers: list[str]
    rows: list[list[str]]


class ImportStore:
    """An uploaded table kept while its columns are matched and its rows previewed."""

    LIFETIME_SECONDS = 2 * 3600

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def keep(self, stored: StoredImport) -> str:
        import_id = secrets.token_hex(12)  # a path id: letters and digits only
        await self.redis.set(
            f"web:import:{import_id}", stored.model_dump_json(), ex=self.LIFETIME_SECONDS
        )
        return import_id

    async def find(self, import_id: str, account_id: str) -> StoredImport | None:
        raw = await self.redis.get(f"web:import:{import_id}")
        stored = None if raw is None else StoredImport.model_validate_json(raw)
        return stored if stored is not None and stored.account_id == account_id else None


# -- sessions -------------------------------------------------------------------------------------
class Session(BaseModel):
    account_id: str
    csrf: str
    acting_as: str | None = None  # the participant's account an organiser acts as


@dataclass(frozen=True)
class SessionStore:
    """Server-side sessions: the cookie holds a random token, Redis its digest (a copied
    database opens no session) with an idle lifetime renewed on every request."""

    redis: Redis
    lifetime_seconds: int

    @staticmethod
    def _key(token: str) -> str:
        return f"web:session:{hashlib.sha256(token.encode()).hexdigest()}"

    async def open(self, account_id: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(account_id=account_id, csrf=secrets.token_urlsafe(24))
        await self.redis.set(self._key(token), session.model_dump_json(), ex=self.lifetime_seconds)
        return token, session

    async def read(self, token: str) -> Session | None:
        key = self._key(token)
        raw = await self.redis.getex(key, ex=self.lifetime_seconds)
        return None if raw is None else Session.model_validate_json(raw)

    async def save(self, token: str, session: Session) -> None:
        await self.redis.set(self._key(token), session.model_dump_json(), ex=self.lifetime_seconds)

    async def close(self, token: str) -> None:
        await self.redis.delete(self._key(token))


def web_outbox(shards: int) -> Outbox:
    return Outbox(SERVICE, shards, source=topics.source_of(SERVICE))


@asynccontextmanager
async def store_for_command_line() -> AsyncIterator[AccountStore]:
    """The accounts of the running local stack (or of the environment's Redis)."""
    settings = local_settings()
    redis = make_redis(settings)
    try:
        yield AccountStore(redis, web_outbox(settings.outbox_shards))
    finally:
        await redis.aclose()
