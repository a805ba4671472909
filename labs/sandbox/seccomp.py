"""The seccomp filter bubblewrap installs before the student's command: syscalls no lab needs fail with EPERM.

Built with libseccomp (through pyseccomp, its ctypes binding) and handed to bwrap as compiled BPF on a file
descriptor (`--seccomp FD`). Everything else is allowed: the namespaces, the unprivileged host user, the
cgroup and the read-only mounts do the confining; this removes kernel surface a student could poke at.
Syscalls of a foreign architecture (i386 through int 0x80, x32) kill the process (libseccomp's default).
"""

import errno
import functools
import os
import tempfile

# Mounting and namespaces, kernel keyrings, eBPF, perf, userfaultfd, tracing other processes, kernel
# modules and kexec, swap, reboot, clocks, accounting, quotas, file handles, the kernel log, io_uring.
DENIED = (
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "setns", "unshare",
    "keyctl", "add_key", "request_key",
    "bpf", "perf_event_open", "userfaultfd",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "swapon", "swapoff", "reboot", "acct", "quotactl", "lookup_dcookie",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "open_by_handle_at", "name_to_handle_at", "syslog", "vhangup", "iopl", "ioperm", "uselib",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init",
)  # fmt: skip


def available() -> tuple[bool, str]:
    try:
        program()
    except (ImportError, OSError, RuntimeError) as exc:
        return False, f"libseccomp is not usable here ({exc}); apt-get install libseccomp2"
    return True, "seccomp"


@functools.cache
def program() -> bytes:
    """The compiled BPF program (made once per process)."""
    import pyseccomp as seccomp

    sfilter = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            sfilter.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            continue  # a syscall this kernel/libseccomp does not know cannot be called either
    with tempfile.TemporaryFile() as handle:
        sfilter.export_bpf(handle)
        handle.seek(0)
        return handle.read()


def program_fd() -> int:
    """A readable descriptor holding the program, for bwrap's --seccomp (the caller closes it)."""
    read_end, write_end = os.pipe()
    data = program()
    if len(data) > 60000:  # a pipe holds 64 KiB; this filter is well under 1 KiB
        raise RuntimeError("seccomp program too large for a pipe")
    os.write(write_end, data)
    os.close(write_end)
    return read_end
