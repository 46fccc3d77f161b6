"""Chromium driven through its own DevTools protocol over a pipe: no driver in between.

The report needs a handful of commands (open a page, set its content, evaluate, capture
a screenshot, print a PDF). Playwright would put a Node.js driver between us and the
browser: importing it and starting the driver cost ~1 s of CPU on every `taizhang report`
(0.25 s import, 0.7 s node), more than printing the page. Here chromium reads commands
from file descriptor 3 and writes answers to 4 (`--remote-debugging-pipe`), each a JSON
message ending in a NUL byte; one reader thread hands every answer to the call waiting
for it.

    with Browser("/usr/bin/chromium", ["--no-sandbox"]) as browser:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading

# Chromium's flags for a quiet, reproducible headless print: no first-run UI, no
# background work, sRGB colours, scrollbars hidden (they would show in the PNG), /tmp
# instead of a small /dev/shm for shared memory.
HEADLESS_ARGS = [
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-color-profile=srgb",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-default-apps",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--password-store=basic",
    "--use-mock-keychain",
    "--no-default-browser-check",
]


def _above_nine(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class BrowserError(RuntimeError):
    """Chromium did not start, quit, or answered a command with an error."""


class Browser:
    """One chromium process and its DevTools pipe; `send` is safe from any thread."""

    def __init__(self, executable: str, args: list[str]) -> None:
        # In memory (tmpfs) where there is one: a profile is ~140 small files, and on a
        # busy disk creating and deleting them took 0.1–0.2 s.
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self._profile = tempfile.mkdtemp(prefix="taizhang-chromium-", dir=shm)
        to_browser, commands = os.pipe()  # chromium reads fd 3
        answers, from_browser = os.pipe()  # chromium writes fd 4
        # The child's ends above 9, so that putting them on 3 and 4 never overwrites one.
        to_browser, from_browser = (_above_nine(fd) for fd in (to_browser, from_browser))
        try:
            # bash puts the pipe ends on 3 and 4, then becomes chromium (exec); dash cannot
            # name a descriptor above 9.
            self.process = subprocess.Popen(
                ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}',
                 executable, *HEADLESS_ARGS, *args, "--remote-debugging-pipe",
                 f"--user-data-dir={self._profile}", "about:blank"],
                pass_fds=(to_browser, from_browser), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as exc:
            for fd in (to_browser, commands, answers, from_browser):
                os.close(fd)
            shutil.rmtree(self._profile, ignore_errors=True)
            raise BrowserError(str(exc)) from exc
        os.close(to_browser)
        os.close(from_browser)
        self._commands, self._answers = commands, answers
        self._ids = itertools.count(1)
        self._waiting: dict[int, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="chromium-devtools", daemon=True)
        self._reader.start()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        """Run one DevTools command (in the page of `session`, else the browser's) and
        return its result; BrowserError when chromium answers with an error or is gone."""
        return self.post(method, params, session).result(timeout)

    def post(self, method: str, params: dict | None = None,
             session: str | None = None) -> concurrent.futures.Future:
        """Send a command without waiting; the Future holds its result."""
        answer: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._closed or self._commands < 0:
                raise BrowserError("chromium has quit")
            message_id = next(self._ids)
            self._waiting[message_id] = answer
            message = {"id": message_id, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            data = json.dumps(message).encode() + b"\0"
            try:
                while data:
                    data = data[os.write(self._commands, data):]
            except OSError as exc:
                self._waiting.pop(message_id, None)
                raise BrowserError(f"chromium has quit ({exc.strerror})") from None
        return answer

    def _read(self) -> None:
        buffer = bytearray()
        while True:
            try:
                chunk = os.read(self._answers, 1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while (end := buffer.find(b"\0")) >= 0:
                message = json.loads(bytes(buffer[:end]))
                del buffer[:end + 1]
                self._dispatch(message)
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, {}
        for answer in waiting.values():
            answer.set_exception(BrowserError("chromium quit before it answered"))
        # Chromium is gone (its end of the pipe closed): this thread reaps it.
        os.close(self._answers)
        self.process.wait()

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            with self._lock:
                answer = self._waiting.pop(message["id"], None)
            if answer is None:
                return
            if "error" in message:
                answer.set_exception(BrowserError(message["error"].get("message", "error")))
            else:
                answer.set_result(message.get("result", {}))
        elif message.get("method") == "Fetch.requestPaused":
            # A page's every request is refused: the report is self-contained and renders
            # offline, and nothing in it may reach the network.
            self.post("Fetch.failRequest", {"requestId": message["params"]["requestId"],
                                            "errorReason": "BlockedByClient"},
                      message.get("sessionId"))

    def close(self) -> None:
        """End chromium and every process it started, and remove its profile.

        Killed, not asked to quit: its profile is thrown away, and a graceful shutdown
        (0.3–0.6 s) would only save what is deleted next. The reader thread reaps the
        killed processes (the kernel takes ~0.2 s to unmap a browser's memory); nothing of
        them runs again, so the profile can go at once.
        """
        with self._lock:
            if self._commands < 0:
                return
            os.close(self._commands)
            self._commands = -1
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own process group
        except ProcessLookupError:
            pass
        shutil.rmtree(self._profile, ignore_errors=True)
