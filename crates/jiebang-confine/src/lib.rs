//! What the child processes that run delivered models (`jiebang model-run` for ONNX, `jiebang
//! llm-serve` and `jiebang run-limited` for GGUF) do to themselves: an address-space limit, and
//! the seccomp deny list under which creating sockets, running programs, tracing or
//! reading other processes, mounting, entering or making namespaces, BPF, perf events, keyrings,
//! kernel modules and io_uring fail with `EPERM`. A deny list, so an engine's ordinary calls
//! (memory, threads, clocks) are untouched; each child keeps what it needs (`llm-serve` keeps
//! `accept4` on the port it bound before locking down).

/// Why a limit or the filter could not be installed, or a program not run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfineError(String);

/// Caps the address space (`RLIMIT_AS`) at `bytes`: an allocation beyond it fails and the
/// process ends instead of the machine swapping. Programs it runs keep the limit.
pub fn limit_address_space(bytes: u64) -> Result<(), ConfineError> {
    rlimit::Resource::AS.set(bytes, bytes).map_err(|e| ConfineError(format!("setrlimit: {e}")))
}

/// `jiebang run-limited`: caps the address space, runs `command` (a reference model server),
/// which inherits the limit, and waits for it, ending it if this process's parent goes (see
/// [`exit_with_parent`]). Its exit code (128 + the signal, for a signal) when it ends; an error
/// when it cannot be started.
pub fn run_limited(bytes: u64, command: &[String]) -> Result<i32, ConfineError> {
    use std::os::unix::process::ExitStatusExt;
    limit_address_space(bytes)?;
    let Some((program, args)) = command.split_first() else {
        return Err(ConfineError("run-limited: no command".into()));
    };
    let mut child =
        std::process::Command::new(program).args(args).spawn().map_err(|e| ConfineError(format!("{program}: {e}")))?;
    let parent = std::os::unix::process::parent_id();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))),
            Ok(None) => {}
            Err(e) => return Err(ConfineError(format!("{program}: {e}"))),
        }
        if std::os::unix::process::parent_id() != parent {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(0);
        }
        std::thread::sleep(PARENT_POLL);
    }
}

/// How often a model's process looks for its parent.
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// Ends this process when the process that started it ends: a thread polls the parent's pid and
/// exits once this process has been handed to another (the worker or server that hosted the
/// model was killed), so no model server outlives the platform process it answers — it runs in
/// a process group of its own, which a killed parent cannot take down with it.
/// (`PR_SET_PDEATHSIG` would fire when the spawning *thread* ends, and a blocking pool's idle
/// threads do.)
pub fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(PARENT_POLL);
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(0);
            }
        }
    });
}

/// The system calls a model's child never needs, by name and number.
pub const FORBIDDEN_SYSCALLS: &[(&str, i64)] = &[
    ("socket", libc::SYS_socket),
    ("socketpair", libc::SYS_socketpair),
    ("connect", libc::SYS_connect),
    ("bind", libc::SYS_bind),
    ("listen", libc::SYS_listen),
    ("accept4", libc::SYS_accept4),
    ("execve", libc::SYS_execve),
    ("execveat", libc::SYS_execveat),
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("pidfd_getfd", libc::SYS_pidfd_getfd),
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("chroot", libc::SYS_chroot),
    ("unshare", libc::SYS_unshare),
    ("setns", libc::SYS_setns),
    ("bpf", libc::SYS_bpf),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("keyctl", libc::SYS_keyctl),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("kexec_load", libc::SYS_kexec_load),
    ("userfaultfd", libc::SYS_userfaultfd),
    ("io_uring_setup", libc::SYS_io_uring_setup),
    ("personality", libc::SYS_personality),
];

/// Installs the filter over [`FORBIDDEN_SYSCALLS`] but `keep`, on every thread of the process
/// (which must have `no_new_privs`, as Landlock's `restrict_self` sets, or the privilege to
/// filter); threads started later inherit it.
pub fn forbid_syscalls(keep: &[i64]) -> Result<(), ConfineError> {
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter};
    let failed = |e: &dyn std::fmt::Display| ConfineError(format!("seccomp: {e}"));
    let arch = std::env::consts::ARCH.try_into().map_err(|e: seccompiler::BackendError| failed(&e))?;
    let rules = FORBIDDEN_SYSCALLS
        .iter()
        .filter(|(_, number)| !keep.contains(number))
        .map(|&(_, number)| (number, Vec::new()))
        .collect();
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch)
        .map_err(|e| failed(&e))?;
    let program: BpfProgram = filter.try_into().map_err(|e: seccompiler::BackendError| failed(&e))?;
    seccompiler::apply_filter_all_threads(&program).map_err(|e| failed(&e))
}
