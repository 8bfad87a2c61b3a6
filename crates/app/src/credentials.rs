//! Secrets: Argon2id passwords, random tokens, and the stored (hashed) form of a session
//! cookie or API token. Used by the web's sign-in and by the command line's `user` and
//! `token` commands.

use crate::error::{Error, Result};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use blake2::{Blake2s256, Digest};

pub const MIN_PASSWORD: usize = 10;

/// Argon2id with a fresh salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so both answers take as long.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password-xyz").unwrap_or_default())
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    hex(&b)
}

/// The stored form of a session cookie or API token.
pub fn token_hash(token: &str) -> String {
    hex(&Blake2s256::digest(token.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("mot-mat-khau-dai").unwrap();
        assert!(verify_password("mot-mat-khau-dai", &h));
        assert!(!verify_password("mot-mat-khau-khac", &h));
        assert!(!verify_password("mot-mat-khau-dai", "not a phc string"));
    }

    #[test]
    fn tokens_are_random_and_hashed_to_hex() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret("abc", "abcd"));
    }
}
