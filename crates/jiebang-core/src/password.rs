//! What a new password must be (after NIST SP 800-63B: length and a block list, no composition
//! rules): at least 10 characters, not only spaces, at least 5 different characters, not a
//! well-known password, and not the account's own e-mail or its name part.

use crate::FieldError;

/// The fewest characters a password may have.
pub const MIN_LENGTH: usize = 10;

/// Passwords every cracking list starts with (compared case-insensitively).
const COMMON: &[&str] = &[
    "1234567890",
    "0123456789",
    "12345678910",
    "qwertyuiop",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwerty1234",
    "password12",
    "password123",
    "password1234",
    "passw0rd12",
    "iloveyou12",
    "abcdefghij",
    "abc1234567",
    "a123456789",
    "woaini1314",
    "woaini5201314",
    "5201314520",
    "aa12345678",
    "admin12345",
    "administrator",
    "qwertyuiop123",
    "zxcvbnm123",
    "1234qwer!@#$",
    "1234567890a",
    "qwerty123456",
];

/// `Ok` when `password` may be set for the account `email`; else why not, in both languages.
pub fn check(password: &str, email: &str) -> Result<(), FieldError> {
    let refuse = |zh: &str, en: &str| Err(FieldError::new("password", format!("{zh} / {en}")));
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return refuse(
            &format!("密码至少 {MIN_LENGTH} 个字符"),
            &format!("the password needs at least {MIN_LENGTH} characters"),
        );
    }
    if password.trim().is_empty() {
        return refuse("密码不能全是空格", "the password cannot be only spaces");
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return refuse("密码至少要有 5 个不同的字符", "the password needs at least 5 different characters");
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if COMMON.contains(&lower.as_str()) || lower == email || (local.len() >= 4 && lower.contains(local)) {
        return refuse(
            "密码过于常见或与账号相同，请换一个",
            "the password is too common or matches the account; choose another",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn short_blank_repetitive_common_and_own_name_passwords_are_refused() {
        for bad in [
            "12345678",
            "        ",
            "          ",
            "aaaaaaaaaaaa",
            "ababababab12",
            "1234567890",
            "Password123",
            "zhangwei2025!",
        ] {
            assert!(check(bad, "zhangwei@example.cn").is_err(), "{bad:?} was accepted");
        }
        for good in ["correct horse battery", "揭榜挂帅山东省2025", "t7#Qm2!xLp"] {
            assert!(check(good, "zhangwei@example.cn").is_ok(), "{good:?} was refused");
        }
        let message = check("short", "a@b.cn").unwrap_err().message;
        assert!(message.contains("10") && message.contains(" / "), "{message}");
    }
}
