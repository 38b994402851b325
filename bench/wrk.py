"""Driving wrk: a generated Lua script per scenario, one JSON line of results back.

Python decides the request mix (methods, paths, per-request headers, bodies); the Lua script
only picks one of the prepared requests at random for each call, counts the answers other
than 2xx and 304 in `response()` and prints the summary as JSON in `done()`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "BENCH-RESULT "
CONNECTIONS = 32
THREADS = 1  # wrk shares the 2 cores with the servers: one thread keeps its share small

LUA_TEMPLATE = """
local prepared = {
%(requests)s
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + %(seed)d * #threads)
  reqs = {}
  for i, r in ipairs(prepared) do
    reqs[i] = wrk.format(r[1], r[2], r[3], r[4])
  end
  n3xx, n4xx, n5xx, nother = 0, 0, 0, 0
end

function request()
  return reqs[math.random(#reqs)]
end

function response(status, headers, body)
  -- 304 Not Modified is the answer a conditional poll is for: a success, not an error
  if (status >= 200 and status < 300) or status == 304 then return end
  if status >= 500 then n5xx = n5xx + 1
  elseif status >= 400 then n4xx = n4xx + 1
  elseif status >= 300 then n3xx = n3xx + 1
  else nother = nother + 1 end
end

function done(summary, latency, requests)
  local c3, c4, c5, co = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c3, c4 = c3 + t:get("n3xx"), c4 + t:get("n4xx")
    c5, co = c5 + t:get("n5xx"), co + t:get("nother")
  end
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests": %%d, "duration_us": %%d, "3xx": %%d, "4xx": %%d, "5xx": %%d, ' ..
    '"1xx": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, c3, c4, c5, co, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    by_status: dict[str, int] = field(default_factory=dict)  # "4xx": n, ... (non-2xx only)

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "non2xx": self.non2xx,
            "non2xx_by_class": self.by_status,
            "socket_errors": self.socket_errors,
            "errors": self.errors,
        }


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(install, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed")
    return found


def lua_string(value: str) -> str:
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= code < 127:
            out.append(char)
        else:
            out.extend(f"\\{byte}" for byte in char.encode())
    return '"' + "".join(out) + '"'


def lua_script(requests: list[Request], seed: int = 1) -> str:
    lines = []
    for req in requests:
        headers = ", ".join(
            f"[{lua_string(name)}] = {lua_string(value)}" for name, value in req.headers.items()
        )
        body = lua_string(req.body) if req.body is not None else "nil"
        lines.append(
            f"  {{{lua_string(req.method)}, {lua_string(req.path)}, {{{headers}}}, {body}}},"
        )
    return LUA_TEMPLATE % {"requests": "\n".join(lines), "seed": seed, "marker": MARKER}


class Run:
    """One wrk process, started now; `result()` waits for it (bounded) and parses its output."""

    def __init__(
        self,
        base_url: str,
        requests: list[Request],
        *,
        seconds: float,
        connections: int = CONNECTIONS,
        timeout_s: float = 10.0,
    ) -> None:
        if not requests:
            raise ValueError("no requests to send")
        self.seconds = seconds
        self._dir = tempfile.TemporaryDirectory(prefix="bench-wrk-")
        script = Path(self._dir.name) / "script.lua"
        script.write_text(lua_script(requests))
        command = [
            ensure_wrk(),
            f"-t{THREADS}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            f"--timeout={timeout_s:g}s",
            "-s",
            str(script),
            base_url,
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def result(self) -> Result:
        try:
            stdout, stderr = self._process.communicate(timeout=self.seconds + 30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            raise RuntimeError("wrk did not finish in time") from None
        finally:
            self._dir.cleanup()
        for line in stdout.splitlines():
            if line.startswith(MARKER):
                return _parse(json.loads(line[len(MARKER) :]))
        raise RuntimeError(f"wrk printed no result (exit {self._process.returncode}): {stderr}")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._dir.cleanup()


def _parse(raw: dict[str, int]) -> Result:
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    by_status = {k: raw[k] for k in ("1xx", "3xx", "4xx", "5xx") if raw[k]}
    return Result(
        requests=raw["requests"],
        seconds=seconds,
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        non2xx=sum(by_status.values()),
        socket_errors=socket_errors,
        by_status=by_status,
    )


def run(base_url: str, requests: list[Request], *, seconds: float, warmup: float = 0.0) -> Result:
    """Warm up (results dropped), then measure for a fixed duration."""
    if warmup > 0:
        Run(base_url, requests, seconds=warmup).result()
    return Run(base_url, requests, seconds=seconds).result()
