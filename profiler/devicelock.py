"""One measuring process per device: advisory locks (``flock``) that die with their holder.

A calibration holds two locks while it measures:

* its **profile's** lock (``$ADVISOR_HOME/runs/<name>/sweep.lock``), taken at once or refused:
  two processes writing one profile would each overwrite the other's points;
* its **device's** lock, one file per device in the user's lock folder (``$ADVISOR_LOCK_DIR``,
  default ``/tmp/advisor-locks-<uid>``): ``gpu-<UUID>`` for an NVIDIA GPU, ``cpu-<hostname>``
  for the host CPU (CPU-backend MJX sweeps and RLlib sweeps). A second calibration on a held
  device waits, saying who holds it, or with ``wait=False`` is refused in one line.

The lock folder is private: created ``0700``, and used only while it is a real folder (not a
symbolic link) owned by this user that no other user can write, checked on the opened folder;
lock files are opened inside it without following symbolic links (``O_NOFOLLOW``), created
``0600``, used only when they are regular files of this user, and never ``chmod``-ed. Another
local user therefore cannot plant a lock file, or a link to one of this user's files, for a
calibration to truncate and write. The price: one user's calibrations queue behind each other,
but not behind another user's.

The holder writes its pid, command line and start time into the lock file so a waiter can name
it. The kernel releases a ``flock`` when its holder's last descriptor closes, which happens when
the process ends however it ends (SIGKILL included), so a crashed sweep never blocks the next one;
what a dead holder wrote stays in the file but is only read while the lock is held.
``$ADVISOR_DEVICE_KEY`` replaces the device key (several containers sharing one GPU, or tests that
simulate devices).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import stat
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from profiler.errors import BadInput

LOCK_DIR_ENV = "ADVISOR_LOCK_DIR"
DEVICE_KEY_ENV = "ADVISOR_DEVICE_KEY"
#: Seconds between attempts while waiting for a device.
POLL_S = 0.25


class DeviceBusy(BadInput):
    """The device or profile is being measured by another live process (exit 2)."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock: process id, its command line, when it took the lock (ISO, UTC) and the key."""

    pid: int | None
    command: str
    started: str
    key: str

    @property
    def described(self) -> str:
        """E.g. ``pid 4242 ('advisor calibrate mjx --name a', since 2026-12-01 08:57:18 UTC)``."""
        if not self.pid:
            return "a process that has not named itself yet"
        command = " ".join(self.command.split())
        facts = [f"'{command[:160]}'" if command else "", f"since {self.started}" if self.started else ""]
        facts = [f for f in facts if f]
        return f"pid {self.pid}" + (f" ({', '.join(facts)})" if facts else "")


def lock_dir() -> Path:
    """The user's folder of device locks: ``$ADVISOR_LOCK_DIR``, else ``/tmp/advisor-locks-<uid>``
    (the same whatever the user's ``TMPDIR``)."""
    env = os.environ.get(LOCK_DIR_ENV)
    if env:
        return Path(env)
    base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    return Path(base) / f"advisor-locks-{os.getuid()}"


def _folder_refused(folder: Path, why: str) -> BadInput:
    return BadInput(f"the lock folder {folder} {why}; another user could plant its lock files there: remove it, "
                    f"or set {LOCK_DIR_ENV} to a folder of your own that only you can write")


def _private_folder_fd(folder: Path) -> int:
    """A descriptor of ``folder``, created ``0700`` if missing, once it has been checked to be a
    folder (not a symbolic link) owned by this user and writable by no one else."""
    try:
        folder.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    except OSError as exc:
        raise BadInput(f"cannot create the lock folder {folder} ({exc.strerror or exc}); set {LOCK_DIR_ENV} to "
                       "a folder of your own") from None
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(folder, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _folder_refused(folder, "is a symbolic link or not a folder") from None
        raise BadInput(f"cannot open the lock folder {folder} ({exc.strerror or exc}); set {LOCK_DIR_ENV} to a "
                       "folder of your own") from None
    info = os.fstat(fd)
    problem = None
    if info.st_uid != os.getuid():
        problem = f"belongs to another user (uid {info.st_uid})"
    elif info.st_mode & 0o022:
        problem = f"can be written by other users (mode {stat.S_IMODE(info.st_mode):o})"
    if problem:
        os.close(fd)
        raise _folder_refused(folder, problem)
    return fd


def cpu_key() -> str:
    return f"cpu-{socket.gethostname() or 'localhost'}"


def visible_gpu() -> tuple[int, str] | None:
    """``(NVML index, UUID)`` of the GPU a JAX process started now would use first (the first
    of ``CUDA_VISIBLE_DEVICES``, by index or UUID), or ``None`` without NVML or GPUs."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:  # no library, no driver: no NVIDIA GPU to lock
        return None
    try:
        count = pynvml.nvmlDeviceGetCount()
        uuids = [_text(pynvml.nvmlDeviceGetUUID(pynvml.nvmlDeviceGetHandleByIndex(i))) for i in range(count)]
    except Exception:
        return None
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass
    if not uuids:
        return None
    first = (os.environ.get("CUDA_VISIBLE_DEVICES") or "0").split(",")[0].strip()
    if first.isdigit() and int(first) < len(uuids):
        return int(first), uuids[int(first)]
    for index, uuid in enumerate(uuids):
        if first and uuid.startswith(first):
            return index, uuid
    return 0, uuids[0]


def device_key(platform: str) -> str:
    """The lock key of the device a sweep on ``platform`` (``cpu``, ``gpu``, ``tpu``) measures."""
    override = os.environ.get(DEVICE_KEY_ENV, "").strip()
    if override:
        return override
    if platform == "gpu":
        gpu = visible_gpu()
        return f"gpu-{gpu[1]}" if gpu else f"gpu-{socket.gethostname()}"
    if platform == "tpu":
        return f"tpu-{socket.gethostname()}"
    return cpu_key()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in key)[:200]


def _command() -> str:
    """This process's command line, ``python -m advisor`` shortened to ``advisor``."""
    try:
        with open("/proc/self/cmdline", "rb") as handle:
            parts = [p.decode(errors="replace") for p in handle.read().split(b"\0") if p]
    except OSError:
        import sys

        parts = list(sys.argv)
    if parts and "python" in os.path.basename(parts[0]):
        parts = parts[1:]
    if parts[:2] == ["-m", "advisor"]:
        parts = ["advisor"] + parts[2:]
    return " ".join(parts)


class Lock:
    """A held ``flock`` on ``path``; :meth:`release` (or the process's end) frees it."""

    def __init__(self, path: Path, fd: int, key: str):
        self.path, self.fd, self.key = path, fd, key

    def release(self) -> None:
        if self.fd < 0:
            return
        try:
            os.ftruncate(self.fd, 0)  # a free lock names nobody
        except OSError:
            pass
        os.close(self.fd)  # closing the last descriptor releases the flock
        self.fd = -1


def _open(path: Path, private: bool = False) -> int:
    """Open (creating ``0600`` if missing) the lock file at ``path`` without following a symbolic
    link, and only if it is a regular file of this user. ``private``: ``path``'s folder is a lock
    folder, checked first (:func:`_private_folder_fd`) and the file opened relative to it."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | os.O_NONBLOCK
    folder_fd = None
    try:
        if private:
            folder_fd = _private_folder_fd(path.parent)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.name if private else path, flags, 0o600, dir_fd=folder_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadInput(f"the lock file {path} is a symbolic link, which advisor never follows; remove it "
                           f"(or set {LOCK_DIR_ENV} to a folder of your own)") from None
        if not private:  # a profile's lock, in ADVISOR_HOME: the error that names that folder
            raise OSError(exc.errno, exc.strerror or str(exc), str(exc.filename or path)) from None
        raise BadInput(f"cannot open the lock file {path} ({exc.strerror or exc}); set {LOCK_DIR_ENV} to a "
                       "folder of your own") from None
    finally:
        if folder_fd is not None:
            os.close(folder_fd)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        os.close(fd)
        what = "is not a regular file" if not stat.S_ISREG(info.st_mode) else f"belongs to another user (uid {info.st_uid})"
        raise BadInput(f"the lock file {path} {what}; remove it (or set {LOCK_DIR_ENV} to a folder of your own)")
    os.set_blocking(fd, True)
    return fd


def try_lock(path: Path, key: str, private: bool = False) -> Lock | None:
    """Take the lock at ``path`` if it is free, writing this process's name into it; else ``None``
    (``private``: ``path`` is in a lock folder, see :func:`_open`)."""
    fd = _open(path, private)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    record = {"pid": os.getpid(), "command": _command(), "key": key,
              "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode(), 0)
    return Lock(path, fd, key)


def read_holder(path: Path, key: str, settle_s: float = 1.0) -> Holder:
    """What the holder of ``path`` wrote (waiting up to ``settle_s`` for a holder that has just
    taken the lock to write it). Read as a small regular file only."""
    from profiler.files import read_regular

    deadline = time.monotonic() + settle_s
    while True:
        try:
            data = json.loads(read_regular(path, 64 * 1024, fix="") or b"{}")
            data = data if isinstance(data, dict) else {}
        except (BadInput, ValueError):
            data = {}
        pid = data.get("pid")
        if (isinstance(pid, int) and pid) or time.monotonic() >= deadline:
            return Holder(pid if isinstance(pid, int) else None, str(data.get("command") or ""),
                          str(data.get("started") or ""), key)
        time.sleep(0.05)


def acquire(path: Path, key: str, *, wait: bool, busy: Callable[[Holder], str],
            on_wait: Callable[[Holder], None] = lambda holder: None, private: bool = False) -> Lock:
    """Take the lock at ``path``. Held by another process: with ``wait`` call ``on_wait`` (again
    whenever the holder changes) and retry every :data:`POLL_S`; without, raise
    :class:`DeviceBusy` with ``busy(holder)``."""
    announced: Holder | None = None
    private = private or path.parent == lock_dir()  # a device lock: its folder is checked too
    while True:
        lock = try_lock(path, key, private)
        if lock is not None:
            return lock
        holder = read_holder(path, key)
        if not wait:
            raise DeviceBusy(busy(holder))
        if announced is None or (holder.pid, holder.started) != (announced.pid, announced.started):
            on_wait(holder)
            announced = holder
        time.sleep(POLL_S)


def device_lock_path(key: str) -> Path:
    """Where ``key``'s device lock lives (in :func:`lock_dir`, checked when the lock is opened)."""
    return lock_dir() / f"{_safe(key)}.lock"


def _flocked_files() -> set[tuple[int, int, int]] | None:
    """``(major, minor, inode)`` of every file with a ``flock`` held on this machine (Linux's
    ``/proc/locks``), or ``None`` where there is no such file."""
    try:
        text = Path("/proc/locks").read_text()
    except OSError:
        return None
    held = set()
    for line in text.splitlines():
        fields = line.split()
        if "FLOCK" not in fields or "->" in fields or len(fields) < 6:
            continue  # "->" marks a process blocked waiting, not a holder
        try:
            major, minor, inode = fields[fields.index("FLOCK") + 4].split(":")
            held.add((int(major, 16), int(minor, 16), int(inode)))
        except ValueError:
            continue
    return held


def is_held(path: Path, held: set[tuple[int, int, int]] | None = None) -> bool:
    """Whether some process holds the lock at ``path`` now; read without taking it when
    ``/proc/locks`` exists, else by trying a shared lock for an instant."""
    try:
        st = path.stat()
    except OSError:
        return False
    held = _flocked_files() if held is None else held
    if held is not None:
        return (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino) in held
    try:
        fd = _open(path)
    except BadInput:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def held_device_locks() -> list[Holder]:
    """Device locks held now, with their holders, oldest key first."""
    folder = lock_dir()
    if not folder.is_dir():
        return []
    held = _flocked_files()
    return [read_holder(path, path.stem, settle_s=0.0) for path in sorted(folder.glob("*.lock")) if is_held(path, held)]


def profile_lock_path(profile_name: str) -> Path:
    """The lock a profile's writers hold: its sweep's (``$ADVISOR_HOME/runs/<name>/sweep.lock``)."""
    from profiler.store import advisor_home, check_name

    return advisor_home() / "runs" / check_name(profile_name) / "sweep.lock"


def hold_profile(profile_name: str, doing: str) -> Lock:
    """Hold ``profile_name``'s lock while ``doing`` it (``import``, ``delete``), or refuse in one
    line naming the calibration or verify run that is writing the profile now."""
    return acquire(profile_lock_path(profile_name), f"profile {profile_name}", wait=False, busy=lambda h: (
        f"profile {profile_name!r} is being written now by {h.described}; {doing} it once that has finished "
        "(or end it), or give another name"))


class SweepClaim:
    """The locks one calibration holds: its profile's, taken at once (or refused naming the
    holder), then its device's (:meth:`device`, waiting or refused). :meth:`release` frees both;
    so does the end of the process."""

    def __init__(self, profile_name: str):
        self.profile_name = profile_name
        self.profile_lock = acquire(profile_lock_path(profile_name), f"profile {profile_name}", wait=False,
                                    busy=lambda h: (
            f"profile {profile_name!r} is being measured now by {h.described}; wait for it to finish (then --resume "
            "measures what it left), end it, or give another --name"))
        self.device_lock: Lock | None = None

    def device(self, key: str, *, wait: bool = True, on_wait: Callable[[str], None] = lambda message: None) -> None:
        """Take ``key``'s device lock; ``on_wait`` gets a line naming the holder while waiting. A
        claim that holds another device's lock (taken before a probe said which device the sweep
        really uses) lets it go first."""
        if self.device_lock is not None:
            if self.device_lock.key == key:
                return
            self.device_lock.release()
            self.device_lock = None
        self.device_lock = acquire(
            device_lock_path(key), key, wait=wait, private=True,
            busy=lambda h: (f"{key} is busy: {h.described} is calibrating on it; wait for it to finish (run without "
                            "--no-wait to queue behind it) or end it"),
            on_wait=lambda h: on_wait(f"waiting for {key}: {h.described} is calibrating on it, and measurements "
                                      "taken side by side would time each other (Ctrl-C stops waiting; --no-wait "
                                      "refuses instead)"))

    def release(self) -> None:
        for lock in (self.device_lock, self.profile_lock):
            if lock is not None:
                lock.release()
