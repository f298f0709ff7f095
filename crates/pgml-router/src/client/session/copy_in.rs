//! COPY FROM STDIN and the Syncs the server ignores.
//!
//! A library that runs a statement through the extended protocol sends Bind, Execute
//! and Sync before it knows the statement is a COPY (tokio-postgres' `copy_in`, libpq's
//! `PQexecParams`), and PostgreSQL, in COPY IN from the Execute on, ignores Sync and
//! Flush until the client's CopyDone or CopyFail. Such a Sync gets no ReadyForQuery:
//! counted as one awaiting its answer, it would keep the server connection attached
//! to the client for good (transaction mode turned into session mode). The session
//! learns that a COPY IN started from the server's CopyInResponse, which may come after
//! the Sync was forwarded: [`CopyIn`] remembers the Syncs forwarded since the last
//! Query or Execute, and the CopyInResponse takes them back.

/// What the session knows about a COPY IN in progress.
#[derive(Debug, Default)]
pub(super) struct CopyIn {
    /// Syncs forwarded since the last Query or Execute and before any CopyDone /
    /// CopyFail after it: the ones the server ignores if that statement is a COPY IN.
    syncs_after_start: u32,
    /// A CopyDone or CopyFail was forwarded since the last Query or Execute.
    ended: bool,
    /// The last Query or Execute forwarded was an Execute.
    extended: bool,
    /// The server is in COPY IN: CopyInResponse seen, the client's CopyDone or
    /// CopyFail not forwarded yet, no error since.
    active: bool,
}

/// What a CopyInResponse changes in the session's count of messages awaiting an answer.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Started {
    /// Syncs already counted that the server ignores.
    pub ignored_syncs: u32,
    /// The server waits for a Sync after the COPY (it was started by an Execute), so
    /// the connection is not at rest before the client sends one.
    pub awaits_sync: bool,
}

impl CopyIn {
    /// A client message forwarded to the server; false for a Sync the server ignores.
    pub fn forwarded(&mut self, tag: u8) -> bool {
        match tag {
            b'Q' | b'E' => {
                self.syncs_after_start = 0;
                self.ended = false;
                self.extended = tag == b'E';
            }
            b'S' if self.active => return false,
            b'S' if !self.ended => self.syncs_after_start += 1,
            b'c' | b'f' => {
                self.ended = true;
                self.active = false;
            }
            _ => {}
        }
        true
    }

    /// The server's CopyInResponse.
    pub fn started(&mut self) -> Started {
        let started = Started {
            ignored_syncs: std::mem::take(&mut self.syncs_after_start),
            awaits_sync: self.extended && !self.ended,
        };
        // A client that sent CopyDone before it saw the CopyInResponse has ended it.
        self.active = !self.ended;
        started
    }

    /// The server's ErrorResponse: a COPY IN ends with it (the server then skips to the
    /// next Sync, which it answers).
    pub fn error(&mut self) {
        self.active = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward(c: &mut CopyIn, tags: &[u8]) -> usize {
        tags.iter().filter(|&&t| c.forwarded(t)).count()
    }

    #[test]
    fn an_extended_copy_takes_back_the_sync_sent_with_its_execute() {
        let mut c = CopyIn::default();
        assert_eq!(forward(&mut c, b"BES"), 3);
        assert_eq!(
            c.started(),
            Started {
                ignored_syncs: 1,
                awaits_sync: true
            }
        );
        // Syncs and Flushes among the data are ignored too; the one after CopyDone counts.
        assert!(c.forwarded(b'd'));
        assert!(!c.forwarded(b'S'));
        assert!(c.forwarded(b'c'));
        assert!(c.forwarded(b'S'));
    }

    #[test]
    fn a_simple_query_copy_awaits_no_sync() {
        let mut c = CopyIn::default();
        forward(&mut c, b"Q");
        assert_eq!(
            c.started(),
            Started {
                ignored_syncs: 0,
                awaits_sync: false
            }
        );
        forward(&mut c, b"dc");
        assert!(c.forwarded(b'S'));
    }

    #[test]
    fn syncs_after_a_copydone_sent_before_the_response_count() {
        let mut c = CopyIn::default();
        assert_eq!(forward(&mut c, b"BESdcS"), 6);
        assert_eq!(
            c.started(),
            Started {
                ignored_syncs: 1,
                awaits_sync: false
            }
        );
        assert!(c.forwarded(b'S'));
    }

    #[test]
    fn after_an_error_the_next_sync_counts() {
        let mut c = CopyIn::default();
        forward(&mut c, b"BES");
        c.started();
        forward(&mut c, b"d");
        c.error();
        assert!(c.forwarded(b'S'));
    }

    #[test]
    fn syncs_of_earlier_statements_are_not_taken_back() {
        let mut c = CopyIn::default();
        forward(&mut c, b"BESBES");
        assert_eq!(c.started().ignored_syncs, 1);
    }
}
