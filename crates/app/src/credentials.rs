//! Secrets: Argon2id passwords, random tokens, and the stored (hashed) form of a session
//! cookie or API token. Used by the web's sign-in and by the command line's `user` and
//! `token` commands.

use crate::error::{Error, Result};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use blake2::{Blake2s256, Digest};
use thidua_domain::msg::Msg;

pub const MIN_PASSWORD: usize = 10;

/// The one password rule (web forms, the administrator's page, `thidua user`): at least
/// `MIN_PASSWORD` characters; not a common password or stem (`common-passwords.txt`),
/// alone or padded with digits and symbols; not one character repeated or a run of the
/// keyboard or the alphabet ("aaaaaaaaaa", "1234567890", "0987654321"); not the username.
/// None: the password may be used.
pub fn password_problem(password: &str, username: &str) -> Option<Msg> {
    if password.chars().count() < MIN_PASSWORD {
        return Some(Msg::new(
            format!("Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."),
            format!("the password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    let lower = password.to_lowercase();
    // the letters and digits, without what is padded around a stem
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let plain: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && (plain.contains(&name) || lower.contains(&name)) {
        return Some(Msg::new(
            "Mật khẩu không được chứa tên đăng nhập.",
            "the password must not contain the username",
        ));
    }
    let common = common_passwords();
    if common.contains(lower.as_str()) || common.contains(core) || common.contains(plain.as_str()) {
        return Some(Msg::new(
            "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn một cụm từ riêng của anh/chị.",
            "the password is too common",
        ));
    }
    if is_run(&plain) {
        return Some(Msg::new(
            "Mật khẩu không được là một ký tự lặp lại hay một dãy liên tiếp (như 1234567890).",
            "the password must not be a repeated character or a run of the keyboard or alphabet",
        ));
    }
    None
}

/// The list, parsed once.
fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// One character repeated, or a piece of one of these rows read either way.
fn is_run(plain: &str) -> bool {
    const ROWS: [&str; 5] = [
        "01234567890",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnm",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
        "qazwsxedcrfvtgbyhnujmikolp",
    ];
    let chars: Vec<char> = plain.chars().collect();
    if chars.windows(2).all(|w| w[0] == w[1]) {
        return true;
    }
    // a short piece repeated ("abcabcabcabc", "12121212121")
    let n = chars.len();
    if (1..=n / 2).any(|k| n.is_multiple_of(k) && chars.chunks(k).all(|c| c == &chars[..k])) {
        return true;
    }
    ROWS.iter().any(|row| {
        let back: String = row.chars().rev().collect();
        row.contains(plain) || back.contains(plain)
    })
}

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

pub(crate) fn hex(b: &[u8]) -> String {
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
    fn common_repeated_and_short_passwords_are_refused_and_a_phrase_is_not() {
        for (pw, why) in [
            ("aaaaaaaaaa", "lặp lại"),
            ("1234567890", "dãy"),
            ("0987654321", "dãy"),
            ("qwertyuiop", "phổ biến"),
            ("abcabcabcabc", "lặp lại"),
            ("Password123!", "phổ biến"),
            ("matkhau@2024", "phổ biến"),
            ("2024MatKhau", "phổ biến"),
            ("Thidua2023!!", "phổ biến"),
            ("anhyeuem123", "phổ biến"),
            ("ngan12345", "ít nhất"),
            ("donvi-2023-xyz", "tên đăng nhập"),
        ] {
            let got = password_problem(pw, "donvi");
            assert!(got.as_ref().is_some_and(|m| m.vi.contains(why)), "{pw}: {got:?}");
        }
        for pw in ["mat-khau-demo-2023", "cây đa bến nước 1975", "Hồ sơ đúng hạn 98%"] {
            assert_eq!(password_problem(pw, "donvi"), None, "{pw}");
        }
    }

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
