"""The guard between advisor's measuring process and a user's command: it runs the command and
makes sure nothing the command started outlives the run, however the run ends.

Run as ``python -I -S guard.py MEMORY_LIMIT_BYTES TIMES_FILE -- ARGV...`` (standard library only, so it
starts in milliseconds and no start-up hook or ``PYTHONPATH`` of the command's reaches it). It

* starts its own session, so the command's process group is its own and advisor ending the
  measuring process's group cannot end the guard before it has cleaned up;
* becomes a *child subreaper* (Linux ``PR_SET_CHILD_SUBREAPER``): a process the command starts
  stays the guard's descendant even when it detaches (``setsid``, a double fork), instead of
  being adopted by init, so the guard can always find it;
* runs the command (``RLIMIT_DATA`` applied when the limit is not 0) with a parent-death signal
  (``SIGKILL`` if the guard itself is killed);
* asks for ``SIGTERM`` when the measuring process dies (``PR_SET_PDEATHSIG``) and also checks its
  parent every 50 ms;
* when the command ends, when the measuring process dies (SIGKILL included), or when the guard
  is told to stop (SIGTERM, SIGINT, SIGHUP), ends every descendant: ``SIGTERM``, up to
  :data:`GRACE_S` to exit, then each one stopped (``SIGSTOP``, so nothing forks any more) and
  killed, until none is left;
* writes the command's own start and end (``time.monotonic``, seconds) into ``TIMES_FILE``, so
  its measurer times the command, not the guard's start-up or clean-up;
* exits as the command did (its exit code, or the same signal), or 127 if it could not start it.

Where ``/proc`` or ``prctl`` are missing (not Linux) it degrades to ending the command's process
group, which does not reach detached descendants.
"""

import os
import signal
import sys
import time

GRACE_S = 1.0
POLL_S = 0.05
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOPPING = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _prctl(option, value):
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(root):
    """Pids of every living descendant of ``root`` (from ``/proc``), or ``None`` without it."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    children = {}
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and fields[0] != b"Z":  # a zombie has already ended
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), ()):
            found.append(child)
            pending.append(child)
    return found


def _signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def _reap():
    """Reap every child that has ended; returns ``{pid: status}``."""
    ended = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended[pid] = status


def end_all(me, group, statuses):
    """End every descendant of ``me`` (module docstring); ``group`` is the command's process group,
    for systems without ``/proc``. Statuses reaped meanwhile go into ``statuses``."""
    tree = descendants(me)
    if tree is None:  # no /proc: the command's process group is all that can be reached
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except OSError:
                pass
            time.sleep(0 if sig == signal.SIGKILL else GRACE_S)
        statuses.update(_reap())
        return
    if tree:
        _signal_all(tree, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline:
            statuses.update(_reap())
            if not descendants(me):
                break
            time.sleep(0.02)
    for _ in range(100):  # stop them all (a stopped process forks no more), then kill them
        tree = descendants(me)
        if not tree:
            break
        _signal_all(tree, signal.SIGSTOP)
        _signal_all(set(tree) | set(descendants(me) or ()), signal.SIGKILL)
        time.sleep(0.01)
        statuses.update(_reap())
    statuses.update(_reap())


def _start(argv, memory_limit):
    """Fork and exec the command in its own process group; returns its pid."""
    guard = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:  # the command: back to default signals, dies if the guard dies, capped, then exec
        os.setpgid(0, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        for sig in STOPPING + (signal.SIGCHLD,):
            signal.signal(sig, signal.SIG_DFL)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != guard:  # the guard died before the signal was asked for
            os._exit(137)
        if memory_limit:
            import resource

            resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
        os.execvp(argv[0], argv)
    except BaseException as exc:  # could not start it: say why where its output goes
        try:
            os.write(2, f"advisor: cannot run {argv[0]!r}: {exc}\n".encode(errors="replace"))
        finally:
            os._exit(127)


def _signal_waiter():
    """A function waiting up to its argument's seconds for SIGCHLD or a stopping signal, returning
    its number or ``None``: ``sigtimedwait`` on blocked signals (Linux), else handlers and a sleep."""
    watched = set(STOPPING) | {signal.SIGCHLD}
    if hasattr(signal, "sigtimedwait"):
        signal.pthread_sigmask(signal.SIG_BLOCK, watched)

        def wait(seconds):
            received = signal.sigtimedwait(watched, seconds)
            return None if received is None else received.si_signo

        return wait
    pending = []
    for sig in STOPPING:
        signal.signal(sig, lambda number, frame: pending.append(number))

    def poll(seconds):
        if not pending:
            time.sleep(seconds)
        return pending.pop(0) if pending else None

    return poll


def main(args):
    if len(args) < 4 or args[2] != "--":
        os.write(2, b"usage: guard.py MEMORY_LIMIT_BYTES TIMES_FILE -- ARGV...\n")
        return 2
    memory_limit, times, argv = int(args[0]), args[1], args[3:]
    parent = os.getppid()
    try:
        os.setsid()
    except OSError:  # already a session leader (started in a session of its own)
        pass
    me = os.getpid()
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    next_signal = _signal_waiter()
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the measuring process died before the signal was asked for
        return 128 + signal.SIGTERM
    started = time.monotonic()
    command = _start(argv, memory_limit)
    statuses = {}
    stopped_by = None
    while command not in statuses:
        received = next_signal(POLL_S)
        if received in STOPPING:
            stopped_by = received
            break
        if os.getppid() != parent:  # the measuring process died (even by SIGKILL)
            stopped_by = signal.SIGTERM
            break
        statuses.update(_reap())
    if command in statuses:
        try:
            with open(times, "w") as handle:
                handle.write(f"{started!r} {time.monotonic()!r}\n")
        except OSError:
            pass
    end_all(me, command, statuses)
    if stopped_by is not None:
        return 128 + stopped_by
    status = statuses[command]
    if os.WIFSIGNALED(status):  # end the way the command ended, so its measurer sees the signal
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):  # those two cannot be caught anyway
            signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        os.kill(me, sig)
        return 128 + sig
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
