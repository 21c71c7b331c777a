//! Files scored from the page cache. The scoring engine reads a file as one byte slice; mapping
//! the file gives it that slice without copying the file into the process's own memory, so a
//! large prediction file costs the engine's columns, not the file a second time (and the mapped
//! pages are the kernel's to reclaim). Used by the workers and by `jiebang eval score`.

use std::io::Read;

/// A file's bytes: mapped when it is a regular file, read otherwise (pipes, empty files).
pub enum Contents {
    /// Mapped read-only.
    Mapped(memmap2::Mmap),
    /// Read into memory.
    Read(Vec<u8>),
}

impl std::ops::Deref for Contents {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Contents::Mapped(map) => map,
            Contents::Read(bytes) => bytes,
        }
    }
}

/// Maps `file` (pages read ahead), or reads at most `max_bytes + 1` bytes of it when it cannot
/// be mapped; the caller checks the size.
#[allow(unsafe_code)] // the one mapping; see the SAFETY note
pub fn read(file: std::fs::File, max_bytes: u64) -> std::io::Result<Contents> {
    let metadata = file.metadata()?;
    if metadata.is_file() && metadata.len() > 0 {
        // SAFETY: the map is only read. A file truncated by another process while we read it
        // would fault; that is the price every mapping reader (ripgrep included) pays. Stored
        // uploads are content-addressed and never rewritten, and `jiebang eval score`'s inputs
        // are not being written while they are scored.
        if let Ok(map) = unsafe { memmap2::MmapOptions::new().populate().map(&file) } {
            return Ok(Contents::Mapped(map));
        }
    }
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(Contents::Read(bytes))
}
