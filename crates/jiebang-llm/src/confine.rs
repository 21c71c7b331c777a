//! What `jiebang llm-serve` does to itself so that a delivered model can do nothing but answer
//! on its port. In order:
//!
//! 1. at start, an address-space limit (`jiebang_confine::limit_address_space`);
//! 2. the loopback port is bound;
//! 3. [`lock_down`]: Landlock under which only the model file can be read — nothing written,
//!    no TCP bind or connect — scoped so no abstract UNIX socket or signal reaches outside the
//!    process; then a seccomp filter under
//!    which creating a socket, binding, connecting, running a program, tracing, mounting,
//!    namespaces, BPF, perf events, keyrings and io_uring fail with `EPERM`;
//! 4. only then is the model's file parsed and loaded, and the server's threads started.
//!
//! Accepting on the port it already listens on is all the network it keeps. Not enforced: the
//! CPU time it burns (the parent's wall-time limit ends it) and the threads it starts (the
//! parent sets `RAYON_NUM_THREADS`, which candle honours, but a model cannot start threads
//! anyway: only the runner's code runs). A kernel without Landlock or seccomp refuses to serve
//! unless confinement is waived, and the ready line names what held.

use crate::LlmError;

/// Landlock and seccomp, as the module says, with only `model` readable; returns what held.
/// Called before any other thread starts, so every thread of the server inherits both.
pub fn lock_down(model: &std::path::Path, required: bool) -> Result<String, LlmError> {
    use landlock::{
        ABI, Access, AccessFs, AccessNet, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
    };
    let abi = ABI::V6;
    let status = landlock::Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
        .and_then(|r| r.scope(Scope::from_all(abi)))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules([model], AccessFs::from_read(abi))))
        .and_then(|r| r.restrict_self())
        .map_err(|e| LlmError::System(format!("landlock: {e}")))?;
    let held = match status.ruleset {
        RulesetStatus::FullyEnforced => "landlock (only the model file readable, no TCP bind or connect, scoped)",
        RulesetStatus::PartiallyEnforced => "landlock (partly enforced by this kernel)",
        RulesetStatus::NotEnforced if required => {
            return Err(LlmError::System(
                "此内核不支持 Landlock，拒绝在无隔离的情况下运行模型 / this kernel does not enforce Landlock; refusing to serve a model unconfined".into(),
            ));
        }
        RulesetStatus::NotEnforced => "no landlock (not supported by this kernel)",
    };
    let filtered =
        match jiebang_confine::forbid_syscalls(&[libc::SYS_accept4]).map_err(|e| LlmError::System(e.to_string())) {
            Ok(()) => "seccomp (no new sockets, exec, tracing, mounts, namespaces, bpf, keyrings)",
            Err(e) if required => return Err(e),
            Err(_) => "no seccomp (not supported by this kernel)",
        };
    Ok(format!("{held}; {filtered}"))
}
