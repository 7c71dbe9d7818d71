//! Shell cleanups handed to the Docker task (after every shell, however it ended), kept until a
//! run succeeds: run at once when connected, and handed out again each time it connects (the
//! engine may be why the attach ended), until one succeeds or has failed [`MAX_TRIES`] times;
//! at most [`MAX_PENDING`] are kept (the oldest goes first). Only bookkeeping: the task runs
//! what this hands out.

use super::exec::ShellCleanup;

/// More than this many shells ended while their clean-ups could not run is not a real case; the
/// oldest cleanup is given up (and logged) rather than the list growing.
const MAX_PENDING: usize = 16;
/// Failed runs after which a cleanup is given up (the session is gone, or its image cannot
/// run the script): it must not be retried at every reconnect forever.
const MAX_TRIES: u32 = 5;

/// Which kept cleanup a run belongs to.
pub type LeftoverId = u64;

#[derive(Debug, Default)]
pub struct Leftovers {
    pending: Vec<(LeftoverId, ShellCleanup, u32)>,
    next_id: LeftoverId,
}

impl Leftovers {
    /// Keeps `cleanup`; returns it with its id, to be run now if the engine is connected.
    pub fn add(&mut self, cleanup: ShellCleanup) -> (LeftoverId, ShellCleanup) {
        if self.pending.len() >= MAX_PENDING {
            let (_, dropped, _) = self.pending.remove(0);
            tracing::warn!(container = %dropped.container, "too many shell cleanups kept; giving up the oldest");
        }
        let id = self.next_id;
        self.next_id += 1;
        self.pending.push((id, cleanup.clone(), 0));
        (id, cleanup)
    }

    /// Every kept cleanup, to run on a (re)connection: runs of a lost connection never report.
    pub fn all(&self) -> Vec<(LeftoverId, ShellCleanup)> {
        self.pending
            .iter()
            .map(|(id, cleanup, _)| (*id, cleanup.clone()))
            .collect()
    }

    /// A run of `id` ended: done when it succeeded, kept for the next connection otherwise
    /// (unless it has failed too often).
    pub fn finished(&mut self, id: LeftoverId, result: Result<(), String>) {
        let Some(at) = self.pending.iter().position(|(i, ..)| *i == id) else {
            return;
        };
        match result {
            Ok(()) => {
                self.pending.remove(at);
            }
            Err(reason) => {
                let entry = &mut self.pending[at];
                entry.2 += 1;
                if entry.2 >= MAX_TRIES {
                    tracing::warn!(container = %entry.1.container, %reason, "giving up ending a shell's processes");
                    self.pending.remove(at);
                } else {
                    tracing::info!(container = %entry.1.container, %reason, "ending a shell's processes: retried on reconnect");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleanup(container: &str) -> ShellCleanup {
        ShellCleanup {
            container: container.into(),
            shell: "sh".into(),
            pid: Some(7),
            mark: "m".into(),
        }
    }

    #[test]
    fn a_failed_shell_cleanup_is_handed_out_again_until_it_succeeds() {
        let mut left = Leftovers::default();
        let (id, _) = left.add(cleanup("c1"));
        left.finished(id, Err("engine away".into()));
        assert_eq!(left.all(), [(id, cleanup("c1"))]);
        left.finished(id, Ok(()));
        assert!(left.all().is_empty());
    }

    #[test]
    fn shell_cleanups_kept_are_bounded_in_number_and_tries() {
        let mut left = Leftovers::default();
        let (first, _) = left.add(cleanup("c0"));
        for tries in 1..=MAX_TRIES {
            assert_eq!(left.all().len(), 1, "kept after {} failures", tries - 1);
            left.finished(first, Err("no such container".into()));
        }
        assert!(left.all().is_empty());
        for n in 0..MAX_PENDING + 3 {
            left.add(cleanup(&format!("c{n}")));
        }
        let kept = left.all();
        assert_eq!(kept.len(), MAX_PENDING);
        assert_eq!(kept[0].1.container, "c3", "the oldest went first");
    }
}
