"""Ed25519 signatures of manifest.json (RFC 8032), so a loader can trust the manifest and, through its sha256
list, every other bundle file. Keys are 32-byte seeds stored as hex in a file; the public key as hex too."""

from __future__ import annotations

import base64
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from .errors import ExportError


def generate_key(private_path: Path, public_path: Path) -> str:
    key = SigningKey.generate()
    private_path.write_text(key.encode().hex() + "\n")
    private_path.chmod(0o600)
    public = key.verify_key.encode().hex()
    public_path.write_text(public + "\n")
    return public


def load_signing_key(path: str | Path) -> SigningKey:
    try:
        seed = bytes.fromhex(Path(path).read_text().strip())
    except (OSError, ValueError) as error:
        raise ExportError(
            f"signing key {path}: cannot read a hex Ed25519 seed ({error}); create one with `python -m fraudmodels keygen`"
        ) from error
    if len(seed) != 32:
        raise ExportError(f"signing key {path}: expected 32 bytes of hex, got {len(seed)}")
    return SigningKey(seed)


def sign(manifest_bytes: bytes, key: SigningKey) -> dict[str, str]:
    signature = key.sign(manifest_bytes).signature
    return {
        "algorithm": "Ed25519",
        "publicKey": key.verify_key.encode().hex(),
        "signature": base64.b64encode(signature).decode(),
    }


def verify(manifest_bytes: bytes, signature_doc: dict[str, str], public_key_hex: str) -> bool:
    try:
        VerifyKey(bytes.fromhex(public_key_hex)).verify(manifest_bytes, base64.b64decode(signature_doc["signature"]))
        return True
    except (BadSignatureError, ValueError, KeyError):
        return False
