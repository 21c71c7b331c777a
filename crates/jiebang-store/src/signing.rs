//! The platform's Ed25519 signature on the documents it issues: evaluation reports, application
//! snapshots, audit checkpoints. The key pair is created at first start and kept in the file
//! store, which every `serve` and `worker` process of one platform shares (a model's child process
//! can name no file there, see `jiebang_onnx::sandbox`); the public key is published at
//! `/api/v1/keys` so anyone can check a document offline.
//!
//! A document is signed in its RFC 8785 canonical form ([`jiebang_core::canonical`]), so it
//! verifies from its parsed value in any language: `docs/verify.md` gives the recipe.

use ring::rand::SystemRandom;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use serde_json::Value;

use crate::{FileStore, Result, StoreError};

/// Where the key pair lives in the file store.
const KEY_PATH: &str = "keys/report-signing.ed25519.pk8";

/// Signs reports.
pub struct Signer {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("public_key", &self.public_key_hex()).finish_non_exhaustive()
    }
}

impl Signer {
    /// The platform's key pair, created and stored on first use. Processes starting at once
    /// agree on one pair: the store keeps whichever was written first.
    pub async fn load_or_create(files: &FileStore) -> Result<Self> {
        let fresh = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| StoreError::Signing("生成密钥失败 / could not generate a key".into()))?;
        let stored = files.create_once(KEY_PATH, fresh.as_ref().to_vec()).await?;
        files.make_private(KEY_PATH)?;
        Self::from_pkcs8(&stored)
    }

    /// A signer from a PKCS#8 document.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes)
            .map_err(|_| StoreError::Signing(format!("{KEY_PATH}: 不是 Ed25519 密钥 / not an Ed25519 key")))?;
        Ok(Self { pair })
    }

    /// The signature of `message`, hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.pair.sign(message).as_ref())
    }

    /// `document` in canonical form and the signature of those bytes: store and serve the text,
    /// it is exactly what was signed.
    pub fn sign_document(&self, document: &Value) -> Signed {
        let text = jiebang_core::canonical::to_string(document);
        let signature = self.sign(text.as_bytes());
        Signed { text, signature }
    }

    /// The public key, hex (32 bytes).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }
}

/// A document in canonical form with its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The canonical text (RFC 8785): the signed bytes.
    pub text: String,
    /// Ed25519 signature of `text`, hex.
    pub signature: String,
}

/// How signed documents are written before signing, as served beside them.
pub const CANONICALIZATION: &str = "RFC8785";

/// Whether `signature_hex` signs `document` in canonical form. Reports signed before jiebang
/// adopted RFC 8785 were signed as serde_json's compact text with sorted keys; those verify too,
/// and only with exactly parsed numbers.
pub fn verify_document(public_key_hex: &str, document: &Value, signature_hex: &str) -> bool {
    verify(public_key_hex, jiebang_core::canonical::to_string(document).as_bytes(), signature_hex)
        || verify(public_key_hex, document.to_string().as_bytes(), signature_hex)
}

/// Whether `signature_hex` is the signature of `message` by `public_key_hex`.
pub fn verify(public_key_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let (Ok(key), Ok(signature)) = (hex::decode(public_key_hex.trim()), hex::decode(signature_hex.trim())) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, key).verify(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let signer = Signer::from_pkcs8(document.as_ref()).unwrap();
        let other = Signer::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap();
        let signature = signer.sign(b"{\"f1\":0.91}");
        assert!(verify(&signer.public_key_hex(), b"{\"f1\":0.91}", &signature));
        assert!(!verify(&signer.public_key_hex(), b"{\"f1\":0.92}", &signature));
        assert!(!verify(&other.public_key_hex(), b"{\"f1\":0.91}", &signature));
        assert!(!verify("zz", b"x", &signature));
        assert!(Signer::from_pkcs8(b"not a key").is_err());
    }
}
