"""Reading a file a user names, or one advisor keeps, without hanging or exhausting memory.

Only a regular file is read: a FIFO, a device (``/dev/zero``), a socket or a folder is refused in
one line, before a byte is read, because reading one can block for ever or never end. The file
is opened without blocking (``O_NONBLOCK``, so opening a FIFO with no writer returns at once) and
judged on the opened descriptor (``fstat``), so what is checked is what is read. At most
``limit`` bytes are read; a larger file (or one that grows while it is read) is refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from profiler.errors import BadInput

#: What each non-regular file type is called in a refusal.
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def file_kind(mode: int) -> str:
    """What a file of ``mode`` is, in words (``a FIFO (named pipe)``, ``a folder``, ...)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: Path | str, limit: int, *, fix: str, error: type[BadInput] = BadInput) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Anything else is refused with ``error`` (a :class:`~profiler.errors.BadInput`: one line, exit 2)
    whose message names the path, what is wrong and ``fix``: a missing file, a folder, a FIFO,
    device or socket, a file larger than ``limit`` bytes, or one that cannot be read."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path}: cannot read it (no such file); {fix}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a file; {fix}") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device without a driver
            raise error(f"{path}: is not a regular file; {fix}") from None
        raise error(f"{path}: cannot read it ({exc.strerror or exc}); {fix}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path}: is {file_kind(info.st_mode)}, not a regular file; {fix}")
        if info.st_size > limit:
            raise error(f"{path}: {info.st_size:,} bytes is more than the {limit:,} such a file may have; {fix}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise error(f"{path}: grew past the {limit:,} bytes such a file may have while it was read; {fix}")
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc}); {fix}") from None
    finally:
        os.close(fd)
