"""Fixtures: throwaway redis-servers on free loopback ports (started and stopped by pid), plain
or TLS-only with certificates made at test time by the ``openssl`` CLI (``TLSFiles``), a tiny
RESP client so the core tests need nothing but the standard library, and ``Threads``, the way
tests run threads that can fail them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from typing import Any, Callable, Iterator, List, Optional

import pytest

REDIS_SERVER = shutil.which("redis-server")
OPENSSL = shutil.which("openssl")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TLSFiles:
    """Certificates for TLS tests, made with the ``openssl`` CLI in a temporary directory (EC
    P-256 keys, valid two days): a private CA (``ca``), a server certificate for ``localhost``
    and ``127.0.0.1`` and a client certificate (``client_cert``/``client_key``), both signed by
    it, and an unrelated CA (``other_ca``) that signed nothing of these."""

    def __init__(self) -> None:
        if OPENSSL is None:
            pytest.skip("openssl is not installed")
        self.dir = tempfile.mkdtemp(prefix="ldredis-pytest-tls-")
        self.ca = self._ca("ca")
        self.other_ca = self._ca("other-ca")
        self.server_cert, self.server_key = self._leaf(
            "server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
            "extendedKeyUsage=serverAuth\n")
        self.client_cert, self.client_key = self._leaf(
            "client", "ldredis test client", "extendedKeyUsage=clientAuth\n")

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def _openssl(self, *args: str) -> None:
        subprocess.run([OPENSSL, *args], cwd=self.dir, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def _ca(self, name: str) -> str:
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
                      "-subj", f"/CN=ldredis test {name}")
        return self.path(f"{name}.crt")

    def _leaf(self, name: str, common_name: str, extensions: str) -> "tuple[str, str]":
        with open(self.path(f"{name}.ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + extensions)
        self._openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                      "-subj", f"/CN={common_name}")
        self._openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                      "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
                      "-out", f"{name}.crt")
        return self.path(f"{name}.crt"), self.path(f"{name}.key")

    def client_context(self) -> ssl.SSLContext:
        """What the test's own RESP client uses: trusts the CA, presents the client cert."""
        context = ssl.create_default_context(cafile=self.ca)
        context.load_cert_chain(self.client_cert, self.client_key)
        return context

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class RespClient:
    """Just enough of RESP2 to drive a test server: ``client.cmd("HSET", "k", "f", "v")``."""

    def __init__(self, port: int, timeout: float = 5.0,
                 tls: Optional[ssl.SSLContext] = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls is not None:
            try:
                self.sock = tls.wrap_socket(self.sock, server_hostname="localhost")
            except BaseException:
                self.sock.close()
                raise
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def cmd(self, *args: Any) -> Any:
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            data = a if isinstance(a, bytes) else str(a).encode("utf-8")
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self._reply()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self) -> Any:
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError(f"unexpected reply {line!r}")


class RedisServer:
    """One redis-server process on a loopback port; stop/start/pause/resume on purpose.

    With ``tls``, it listens for TLS only (``--port 0 --tls-port P``), with the server
    certificate of ``tls``; ``auth_clients`` is its ``--tls-auth-clients`` ("no": no client
    certificate asked for; "yes": one signed by the CA required)."""

    def __init__(self, port: Optional[int] = None, tls: Optional[TLSFiles] = None,
                 auth_clients: str = "no", extra_args: Optional[List[str]] = None) -> None:
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed")
        self.dir = tempfile.mkdtemp(prefix="ldredis-pytest-")
        self.port = port or free_port()
        self._fixed_port = port is not None
        self.proc: Optional[subprocess.Popen] = None
        self._clients: List[RespClient] = []
        self.tls = tls
        self._auth_clients = auth_clients
        self._tls_context = tls.client_context() if tls is not None else None
        self._extra_args = list(extra_args or [])

    @property
    def url(self) -> str:
        scheme = "rediss" if self.tls is not None else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/0"

    def _listen_args(self) -> List[str]:
        if self.tls is None:
            return ["--port", str(self.port)]
        return ["--port", "0", "--tls-port", str(self.port),
                "--tls-cert-file", self.tls.server_cert, "--tls-key-file", self.tls.server_key,
                "--tls-ca-cert-file", self.tls.ca, "--tls-auth-clients", self._auth_clients]

    def start(self) -> "RedisServer":
        for _attempt in range(20 if not self._fixed_port else 50):
            self.proc = subprocess.Popen(
                [REDIS_SERVER, *self._listen_args(), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", self.dir,
                 "--logfile", os.path.join(self.dir, "redis.log"), *self._extra_args],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break  # exited: the port was taken
                try:
                    c = RespClient(self.port, timeout=1, tls=self._tls_context)
                    ok = c.cmd("PING") == "PONG"
                    c.close()
                    if ok:
                        self._fixed_port = True  # restarts reuse this port
                        return self
                except OSError:
                    pass
                time.sleep(0.02)
            self.stop()
            if self._fixed_port:
                time.sleep(0.1)  # a restart must come back on the same port: retry it
                continue
            self.port = free_port()
        raise RuntimeError(f"could not start redis-server on port {self.port}")

    def stop(self) -> None:
        for c in self._clients:
            try:
                c.close()
            except OSError:
                pass
        self._clients.clear()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def client(self) -> RespClient:
        c = RespClient(self.port, tls=self._tls_context)
        self._clients.append(c)
        return c

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A server shared by the session (tests use unique prefixes or flush it)."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of the test's own, for tests that stop, pause or restart it."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def tls_files() -> Iterator[TLSFiles]:
    """The session's certificates (see :class:`TLSFiles`)."""
    files = TLSFiles()
    yield files
    files.cleanup()


@pytest.fixture(scope="session")
def tls_redis_server(tls_files: TLSFiles) -> Iterator[RedisServer]:
    """A TLS-only server shared by the session; asks no client certificate."""
    server = RedisServer(tls=tls_files).start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def mtls_redis_server(tls_files: TLSFiles) -> Iterator[RedisServer]:
    """A TLS-only server shared by the session that requires a client certificate."""
    server = RedisServer(tls=tls_files, auth_clients="yes").start()
    yield server
    server.cleanup()


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[RespClient]:
    """A RESP client on the shared server, flushed before the test."""
    c = redis_server.client()
    c.cmd("FLUSHALL")
    yield c


@pytest.fixture
def url(redis_server: RedisServer, redis: RespClient) -> str:
    """The shared server's URL, flushed before the test."""
    return redis_server.url


@pytest.fixture
def prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


_stuck_threads: List[threading.Thread] = []


def pytest_unconfigure(config: Any) -> None:
    """Threads a test left stuck (that test failed) may be inside calls on a store; at exit
    the module closes open stores, and close() waits for calls in progress: the run would hang
    after its summary. Exit now instead, failing."""
    if any(t.is_alive() for t in _stuck_threads):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


class Threads:
    """Threads whose failures fail the test: each target runs in its own thread, and
    :meth:`join` waits for all of them within a deadline, re-raises in the test's thread the
    first exception one of them raised (an ``assert`` or a failed ``pytest.raises`` included),
    and fails when one is still running (a deadlock fails instead of hanging or passing).

    ``Threads(f, g).start()`` ... ``.join(timeout)``; ``running()`` in between."""

    def __init__(self, *targets: Callable[[], Any]) -> None:
        self.errors: List[BaseException] = []
        # Daemons: a thread stuck in a deadlock must not also keep pytest from exiting.
        self.threads = [threading.Thread(target=self._run, args=(t,), daemon=True)
                        for t in targets]

    def _run(self, target: Callable[[], Any]) -> None:
        try:
            target()
        except BaseException as e:  # noqa: BLE001 - re-raised by join, in the test's thread
            self.errors.append(e)

    def start(self) -> "Threads":
        for t in self.threads:
            t.start()
        return self

    def running(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def join(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if self.errors:
            raise self.errors[0]
        stuck = [t for t in self.threads if t.is_alive()]
        _stuck_threads.extend(stuck)
        assert not stuck, f"{len(stuck)} of {len(self.threads)} threads still running after {timeout} s"


def run_threads(*targets: Callable[[], Any], timeout: float = 60.0) -> None:
    """Runs each target in its own thread and joins them (see :class:`Threads`)."""
    Threads(*targets).start().join(timeout)
