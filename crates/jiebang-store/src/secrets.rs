//! Secrets the platform must use but never show: a team's API key for its model endpoint. Each
//! is sealed with ChaCha20-Poly1305 (ring's AEAD) under the platform's secrets key and stored
//! sealed; only a worker about to call the endpoint opens it.
//!
//! The key comes from settings (`[secrets] key`, 64 hex digits, or `JIEBANG_SECRETS_KEY`) when
//! the operator keeps it apart from the data; otherwise it is created at first start in the file
//! store's private `keys/` beside the signing key. Either way a copy of the database alone (a
//! dump, a backup) holds no usable key.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::{FileStore, Result, StoreError};

/// Where a created key lives in the file store.
const KEY_PATH: &str = "keys/secrets.chacha20poly1305";

/// Bound into every sealed value, so one sealed for another purpose does not open as a key.
const PURPOSE: &[u8] = b"jiebang endpoint api key v1";

/// Seals and opens secrets.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// The configured key (64 hex digits) or, without one, the platform's own, created once in
    /// the file store.
    pub async fn load_or_create(files: &FileStore, configured: Option<&str>) -> Result<Self> {
        if let Some(hex_key) = configured {
            let bytes = hex::decode(hex_key.trim())
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| StoreError::Signing("secrets key: 须为 64 位十六进制 / must be 64 hex digits".into()))?;
            return Self::from_bytes(&bytes);
        }
        let mut fresh = [0u8; 32];
        SystemRandom::new()
            .fill(&mut fresh)
            .map_err(|_| StoreError::Signing("生成密钥失败 / could not generate a key".into()))?;
        let stored = files.create_once(KEY_PATH, fresh.to_vec()).await?;
        files.make_private(KEY_PATH)?;
        Self::from_bytes(&stored)
    }

    /// A sealer over 32 key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes)
            .map_err(|_| StoreError::Signing(format!("{KEY_PATH}: 不是 32 字节密钥 / not a 32-byte key")))?;
        Ok(Self { key: LessSafeKey::new(key) })
    }

    /// `secret` sealed under a fresh random nonce: `v1.<nonce hex>.<ciphertext and tag hex>`.
    pub fn seal(&self, secret: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| StoreError::Signing("随机数不可用 / no randomness".into()))?;
        let mut sealed = secret.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(PURPOSE), &mut sealed)
            .map_err(|_| StoreError::Signing("加密失败 / sealing failed".into()))?;
        Ok(format!("v1.{}.{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// The secret in `sealed`; an error when it was sealed under another key or altered.
    pub fn open(&self, sealed: &str) -> Result<String> {
        let refuse = || StoreError::Signing("密文无法解开（密钥不同或已被改动）/ a sealed secret does not open".into());
        let mut parts = sealed.split('.');
        let (Some("v1"), Some(nonce), Some(body), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(refuse());
        };
        let nonce: [u8; NONCE_LEN] = hex::decode(nonce).ok().and_then(|n| n.try_into().ok()).ok_or_else(refuse)?;
        let mut body = hex::decode(body).map_err(|_| refuse())?;
        let opened = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(PURPOSE), &mut body)
            .map_err(|_| refuse())?;
        String::from_utf8(opened.to_vec()).map_err(|_| refuse())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_under_its_key_and_unaltered() {
        let sealer = Sealer::from_bytes(&[7; 32]).unwrap();
        let sealed = sealer.seal("sk-secret").unwrap();
        assert!(!sealed.contains("sk-secret"));
        assert_ne!(sealed, sealer.seal("sk-secret").unwrap(), "a fresh nonce each time");
        assert_eq!(sealer.open(&sealed).unwrap(), "sk-secret");
        assert!(Sealer::from_bytes(&[8; 32]).unwrap().open(&sealed).is_err());
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
        assert!(sealer.open(std::str::from_utf8(&altered).unwrap()).is_err());
        assert!(sealer.open("v1.zz.00").is_err() && sealer.open("plain").is_err());
    }
}
