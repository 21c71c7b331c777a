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

/// `jiebang run-limited`: caps the address space and becomes `command` (a reference model
/// server), which keeps the limit. Returns only if that fails.
pub fn exec_limited(bytes: u64, command: &[String]) -> ConfineError {
    use std::os::unix::process::CommandExt;
    if let Err(e) = limit_address_space(bytes) {
        return e;
    }
    let Some((program, args)) = command.split_first() else {
        return ConfineError("run-limited: no command".into());
    };
    let error = std::process::Command::new(program).args(args).exec();
    ConfineError(format!("{program}: {error}"))
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
