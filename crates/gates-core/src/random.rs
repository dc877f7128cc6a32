//! Unpredictable tokens for heredoc delimiters and stop-commands, and the hex they are written in.

/// 128 random bits as 32 lowercase hex digits.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    // Without OS randomness a predictable delimiter would let report text forge outputs; refuse.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    hex(&bytes)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}
