//! Unpredictable tokens for heredoc delimiters and stop-commands.

/// 128 random bits as 32 lowercase hex digits.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    // Without OS randomness a predictable delimiter would let report text forge outputs; refuse.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
