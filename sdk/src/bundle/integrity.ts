// Integrity of bundle files (sha256 against the manifest, with WebCrypto) and of the manifest itself (an Ed25519
// signature, RFC 8032, verified with @noble/ed25519, which uses WebCrypto's SHA-512 underneath).
import { verifyAsync } from '@noble/ed25519';
import { IntegrityError, ModelLoadError } from '../errors.js';
import type { Manifest } from './manifest.js';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws IntegrityError unless the file has the size and sha256 the manifest lists. */
export async function checkFile(manifest: Manifest, name: string, bytes: Uint8Array): Promise<void> {
  const entry = manifest.files[name];
  if (!entry) throw new IntegrityError(name, 'not listed in manifest.json, so it cannot be trusted');
  if (bytes.byteLength !== entry.bytes) {
    throw new IntegrityError(
      name,
      `has ${bytes.byteLength} bytes, the manifest says ${entry.bytes} (truncated or replaced); download the bundle again`,
    );
  }
  if ((await sha256Hex(bytes)) !== entry.sha256) {
    throw new IntegrityError(
      name,
      'does not match its sha256 in manifest.json (tampered or corrupted); download the bundle again',
    );
  }
}

function fromHex(text: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2 !== 0) throw new ModelLoadError(`${what} is not hex`);
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Verifies manifest.sig.json over the manifest's exact bytes with the configured public key (hex, 32 bytes). */
export async function checkSignature(
  manifestBytes: Uint8Array,
  signatureBytes: Uint8Array | undefined,
  publicKeyHex: string,
): Promise<void> {
  if (!signatureBytes) {
    throw new IntegrityError(
      'manifest.sig.json',
      'missing, but a public key is configured: use a signed bundle (`python -m fraudmodels export --signing-key ...`) or drop the key',
    );
  }
  let signature: Uint8Array;
  try {
    const doc = JSON.parse(new TextDecoder().decode(signatureBytes)) as { algorithm?: string; signature?: string };
    if (doc.algorithm !== 'Ed25519' || typeof doc.signature !== 'string')
      throw new Error('not an Ed25519 signature document');
    signature = fromBase64(doc.signature);
  } catch {
    throw new IntegrityError('manifest.sig.json', 'is not a valid signature document');
  }
  const publicKey = fromHex(publicKeyHex, 'publicKey');
  if (publicKey.length !== 32)
    throw new ModelLoadError(`publicKey must be 32 bytes of hex (64 characters), got ${publicKey.length} bytes`);
  const valid = signature.length === 64 && (await verifyAsync(signature, manifestBytes, publicKey).catch(() => false));
  if (!valid)
    throw new IntegrityError(
      'manifest.json',
      'its Ed25519 signature does not verify with the configured public key: the bundle was altered or signed with another key',
    );
}
