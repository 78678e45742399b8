"""What every benchmark shares: the machine line, figures with goals, child processes.

A figure is printed as one aligned line: what, value, goal, PASS/MISS (or
"info" when there is no goal). Child processes (the Bot API emulator, the
portal server, the bot itself) are started with the same interpreter and
talk JSON lines over stdin/stdout, so the benchmark never needs the network
beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shlex
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAH-bench-token-that-is-not-real-000000"


def machine_line() -> str:
    """CPU count, Python and SQLite versions, OS: what the figures were measured on."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    return (
        f"machine: {usable} usable CPUs (os.cpu_count {os.cpu_count()}), "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def rerun_line(module: str, argv: Sequence[str]) -> str:
    args = " ".join(shlex.quote(a) for a in argv)
    return f"rerun: cd {REPO} && python -m {module}{' ' + args if args else ''}"


@dataclass(slots=True)
class Figure:
    name: str
    value: float | None
    unit: str = ""
    goal: str = ""  # human text, e.g. "<= 0.3 ms"
    ok: bool | None = None  # None: no goal (info)
    digits: int = 2

    def line(self, width: int = 58) -> str:
        value = "n/a" if self.value is None else f"{self.value:,.{self.digits}f}"
        shown = f"{value} {self.unit}".strip()
        verdict = "info" if self.ok is None else ("PASS" if self.ok else "MISS")
        goal = f"goal {self.goal}" if self.goal else ""
        return f"  {self.name:<{width}} {shown:>16}   {goal:<18} {verdict}"


@dataclass(slots=True)
class Report:
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        name: str,
        value: float | None,
        unit: str = "",
        *,
        goal: str = "",
        check: Callable[[float], bool] | None = None,
        digits: int = 2,
    ) -> Figure:
        ok = None if check is None or value is None else bool(check(value))
        if check is not None and value is None:
            ok = False
        figure = Figure(name, value, unit, goal, ok, digits)
        self.figures.append(figure)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)

    def print(self) -> None:
        print(f"\n== {self.title} ==")
        for figure in self.figures:
            print(figure.line())
        for text in self.notes:
            print(f"  note: {text}")

    @property
    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def cpu_seconds() -> float:
    """CPU time (user + system, all threads) of this process so far."""
    return time.process_time()


def peak_rss_mb(pid: int | None = None) -> float:
    """VmHWM (peak resident set) of a process in MB, from /proc."""
    return _proc_status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int | None = None) -> float:
    return _proc_status_kb(pid, "VmRSS") / 1024


def _proc_status_kb(pid: int | None, key: str) -> float:
    path = Path(f"/proc/{pid or 'self'}/status")
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return 0.0


def thread_cpu() -> dict[str, float]:
    """CPU seconds per thread of this process (main thread and the SQLite threads)."""
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        name = names.get(int(task.name), f"thread {task.name}")
        found[name] = found.get(name, 0.0) + seconds
    return found


class Child:
    """A Python child process speaking JSON lines: it prints one ready line, then answers.

    The child writes {"ready": ...} once listening; `ask(cmd)` writes one line and
    reads one JSON line back. `close()` asks it to quit and waits (bounded).
    """

    def __init__(self, module: str, args: Sequence[str], *, env: dict[str, str] | None = None):
        self.module = module
        self.args = list(args)
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.ready: dict[str, Any] = {}

    async def start(self, timeout: float = 30.0) -> dict[str, Any]:
        environment = {**os.environ, **(self.env or {})}
        environment["PYTHONPATH"] = f"{REPO}{os.pathsep}{environment.get('PYTHONPATH', '')}"
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO,
            env=environment,
            limit=64 * 1024 * 1024,
        )
        self.ready = await self._read(timeout)
        return self.ready

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def ask(self, command: str, timeout: float = 60.0, **fields: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"cmd": command, **fields}) + "\n").encode())
        await self.proc.stdin.drain()
        return await self._read(timeout)

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            code = await self.proc.wait()
            raise RuntimeError(f"{self.module} exited ({code}) before answering")
        return json.loads(line)

    async def close(self, timeout: float = 15.0, **fields: Any) -> dict[str, Any]:
        """Ask the child to quit; its last answer (final stats), or {} if it had to be killed."""
        if self.proc is None or self.proc.returncode is not None:
            return {}
        try:
            answer = await self.ask("quit", timeout=timeout, **fields)
            await asyncio.wait_for(self.proc.wait(), timeout)
            return answer
        except (TimeoutError, RuntimeError, BrokenPipeError, ConnectionResetError):
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            return {}


async def serve_commands(handlers: dict[str, Callable[[dict[str, Any]], Any]]) -> None:
    """The child side of `Child`: read JSON commands from stdin until "quit" or EOF.

    A handler returns a JSON-able answer (awaitable or not). "quit" answers with
    the handler's result, if one is given, and then returns.
    """
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            return
        message = json.loads(line)
        command = message.get("cmd", "")
        handler = handlers.get(command)
        if handler is None:
            answer: Any = {"error": f"unknown command {command!r}"}
        else:
            answer = handler(message)
            if asyncio.iscoroutine(answer):
                answer = await answer
        reply(answer if answer is not None else {})
        if command == "quit":
            return


def reply(answer: Any) -> None:
    """One JSON line on stdout (the channel to the parent)."""
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
