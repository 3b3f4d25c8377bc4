//! Secrets: random tokens, their stored hashes and constant-time comparison.

use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AdminError;

/// Bytes of a domain-control token: 160 bits (the draft asks for at least 128).
pub const CHALLENGE_TOKEN_BYTES: usize = 20;
/// Bytes of a session id, an admin link token and a CSRF token: 256 bits.
pub const SESSION_SECRET_BYTES: usize = 32;

fn random_bytes<const N: usize>() -> Result<[u8; N], AdminError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| AdminError::Randomness(error.to_string()))?;
    Ok(bytes)
}

/// A fresh domain-control token: 160 random bits in base32 (upper case, no padding).
pub fn challenge_token() -> Result<String, AdminError> {
    Ok(BASE32_NOPAD.encode(&random_bytes::<CHALLENGE_TOKEN_BYTES>()?))
}

/// A fresh 256-bit secret, URL- and cookie-safe (base64url, no padding).
pub fn session_secret() -> Result<String, AdminError> {
    Ok(BASE64URL_NOPAD.encode(&random_bytes::<SESSION_SECRET_BYTES>()?))
}

/// A fresh random id to show and name things by (128 bits, hex); not a secret.
pub fn public_id() -> Result<String, AdminError> {
    Ok(hex::encode(random_bytes::<16>()?))
}

/// What we store instead of a secret: its SHA-256 in lower-case hex.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compare a submitted secret with the expected one without leaking where they differ.
pub fn same_secret(submitted: &str, expected: &str) -> bool {
    bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_in_their_alphabets() {
        let token = challenge_token().unwrap();
        assert_eq!(token.len(), 32, "160 bits in base32");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert_ne!(token, challenge_token().unwrap());
        let secret = session_secret().unwrap();
        assert_eq!(secret.len(), 43, "256 bits in base64url");
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn hashes_are_hex_sha256_and_comparison_is_exact() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }
}
