"""Fixtures for the ldredis command's tests: throwaway redis-servers on free loopback ports
(started and stopped by pid), and a helper that runs the command."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Dict, Iterator, List, Optional

import pytest

CLI = os.environ.get("LDREDIS_CLI", "")
ROOT = os.environ.get("LDREDIS_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server on a loopback port, stopped by pid. ``args``: extra server options."""

    def __init__(self, args: Optional[List[str]] = None, tls_dir: Optional[str] = None) -> None:
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed")
        self.dir = tempfile.mkdtemp(prefix="ldredis-cli-test-")
        self.args = args or []
        self.tls_dir = tls_dir
        self.proc: Optional[subprocess.Popen] = None
        for _ in range(20):
            self.port = free_port()
            self.tls_port = free_port() if tls_dir else 0
            if self._start():
                return
        raise RuntimeError("could not start redis-server")

    def _start(self) -> bool:
        cmd = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "log")]
        if self.tls_dir:
            cmd += ["--tls-port", str(self.tls_port), "--tls-cert-file", f"{self.tls_dir}/server.crt",
                    "--tls-key-file", f"{self.tls_dir}/server.key", "--tls-ca-cert-file",
                    f"{self.tls_dir}/ca.crt", "--tls-auth-clients", "no"]
        self.proc = subprocess.Popen(cmd + self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def _start_sentinel(self, master_port: int) -> bool:
        conf = os.path.join(self.dir, f"sentinel-{self.port}.conf")
        with open(conf, "w") as f:
            f.write(f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
                    f"logfile {self.dir}/sentinel.log\nsentinel monitor ldmaster 127.0.0.1 {master_port} 1\n")
        self.proc = subprocess.Popen([REDIS_SERVER, conf, "--sentinel"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            answer = subprocess.run(["redis-cli", "-p", str(self.port), "SENTINEL", "get-master-addr-by-name",
                                     "ldmaster"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if str(master_port).encode() in answer.stdout:
                return True
            time.sleep(0.05)
        self.stop()
        return False

    @classmethod
    def sentinel(cls, master: "RedisServer") -> "RedisServer":
        """A sentinel watching ``master`` under the name ``ldmaster``."""
        s = cls.__new__(cls)
        s.dir = tempfile.mkdtemp(prefix="ldredis-cli-sentinel-")
        s.args, s.tls_dir, s.proc, s.tls_port = [], None, None, 0
        for _ in range(20):
            s.port = free_port()
            if s._start_sentinel(master.port):
                return s
        raise RuntimeError("could not start redis-sentinel")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def server() -> Iterator[RedisServer]:
    s = RedisServer()
    yield s
    s.cleanup()


@pytest.fixture
def redis(server: RedisServer):
    import redis as redis_py
    client = redis_py.Redis(host="127.0.0.1", port=server.port)
    yield client
    client.close()


def ldredis(*args: str, env: Optional[Dict[str, str]] = None, input: Optional[bytes] = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs the command with a clean LDREDIS_* environment plus ``env``; bytes out."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LDREDIS_")}
    base.update(env or {})
    return subprocess.run([CLI, *args], env=base, input=input, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)
