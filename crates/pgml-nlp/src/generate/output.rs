//! Turns token pieces into text that is safe to hand out while generating: a token may end
//! inside a UTF-8 character (held back until complete), and a stop sequence may be split over
//! several tokens (text that could be the start of one is held back until it is not).

/// Accumulates token bytes; hands out text that can no longer change.
#[derive(Debug, Default)]
pub struct TextAssembler {
    /// Bytes not yet valid UTF-8 (the start of a multi-byte character).
    pending_bytes: Vec<u8>,
    /// Decoded text not yet handed out (it may still turn out to begin a stop sequence).
    held: String,
    stop: Vec<String>,
    stopped: bool,
}

impl TextAssembler {
    pub fn new(stop: Vec<String>) -> Self {
        TextAssembler {
            stop,
            ..Default::default()
        }
    }

    /// True once a stop sequence was seen: generation must end.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Adds one token's bytes and returns the text that is now final (possibly empty).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        if self.stopped {
            return String::new();
        }
        self.pending_bytes.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending_bytes) {
            Ok(s) => s.len(),
            // An invalid byte (not just an incomplete character) is replaced, like
            // `String::from_utf8_lossy`, so a bad token cannot wedge the output.
            Err(e) if e.error_len().is_some() => {
                let text = String::from_utf8_lossy(&self.pending_bytes).into_owned();
                self.pending_bytes.clear();
                self.held.push_str(&text);
                return self.release();
            }
            Err(e) => e.valid_up_to(),
        };
        let rest = self.pending_bytes.split_off(valid);
        let decoded = std::mem::replace(&mut self.pending_bytes, rest);
        // from_utf8 just validated exactly this prefix.
        self.held.push_str(&String::from_utf8_lossy(&decoded));
        self.release()
    }

    /// Everything that is left, at the end of generation.
    pub fn finish(&mut self) -> String {
        if !self.stopped {
            let tail = String::from_utf8_lossy(&self.pending_bytes).into_owned();
            self.held.push_str(&tail);
        }
        self.pending_bytes.clear();
        std::mem::take(&mut self.held)
    }

    fn release(&mut self) -> String {
        if let Some(at) = self
            .stop
            .iter()
            .filter_map(|s| self.held.find(s.as_str()))
            .min()
        {
            self.stopped = true;
            self.held.truncate(at);
            return std::mem::take(&mut self.held);
        }
        // Hold back the longest suffix that is a proper prefix of some stop sequence.
        let keep = self
            .stop
            .iter()
            .map(|s| longest_suffix_prefix(&self.held, s))
            .max()
            .unwrap_or(0);
        let cut = self.held.len() - keep;
        let rest = self.held.split_off(cut);
        std::mem::replace(&mut self.held, rest)
    }
}

/// Byte length of the longest suffix of `text` that is a proper prefix of `stop`, at a char
/// boundary of both.
fn longest_suffix_prefix(text: &str, stop: &str) -> usize {
    let max = stop.len().saturating_sub(1).min(text.len());
    (1..=max)
        .rev()
        .find(|&n| {
            let start = text.len() - n;
            text.is_char_boundary(start)
                && stop.is_char_boundary(n)
                && stop.as_bytes()[..n] == text.as_bytes()[start..]
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multibyte_characters_across_tokens() {
        let mut a = TextAssembler::new(vec![]);
        let e = "é".as_bytes();
        assert_eq!(a.push(b"caf"), "caf");
        assert_eq!(a.push(&e[..1]), "");
        assert_eq!(a.push(&e[1..]), "é");
        let emoji = "🦀".as_bytes();
        assert_eq!(a.push(&emoji[..3]), "");
        assert_eq!(a.push(&emoji[3..]), "🦀");
        assert_eq!(a.finish(), "");
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut a = TextAssembler::new(vec![]);
        assert_eq!(a.push(&[0xff, b'a']), "\u{fffd}a");
        assert_eq!(a.push(&[0xe2, 0x82]), "");
        assert_eq!(a.finish(), "\u{fffd}");
    }

    #[test]
    fn stops_before_a_stop_sequence_split_over_tokens() {
        let mut a = TextAssembler::new(vec!["\nUser:".into()]);
        assert_eq!(a.push(b"Hello"), "Hello");
        assert_eq!(a.push(b" there\nUs"), " there");
        assert!(!a.stopped());
        assert_eq!(a.push(b"er: next"), "");
        assert!(a.stopped());
        assert_eq!(a.finish(), "");
    }

    #[test]
    fn held_text_that_is_not_a_stop_is_released() {
        let mut a = TextAssembler::new(vec!["END".into(), "STOP".into()]);
        assert_eq!(a.push(b"the EN"), "the ");
        assert_eq!(a.push(b"D"), "");
        assert!(a.stopped());
        let mut a = TextAssembler::new(vec!["END".into()]);
        assert_eq!(a.push(b"the EN"), "the ");
        assert_eq!(a.push(b"VOY"), "ENVOY");
        assert_eq!(a.push(b" E"), " ");
        assert_eq!(a.finish(), "E");
    }

    #[test]
    fn earliest_stop_wins() {
        let mut a = TextAssembler::new(vec!["b".into(), "a".into()]);
        assert_eq!(a.push(b"xxab"), "xx");
        assert!(a.stopped());
        assert_eq!(a.push(b"more"), "");
    }
}
