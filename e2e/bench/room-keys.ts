/**
 * Megolm room keys made up for tests and benchmarks: exported sessions in the key export format
 * (what `OlmMachine.importExportedRoomKeys` reads), and messages encrypted with them, so a
 * decryption goes through the real session lookup.
 *
 * The exported `session_key` is unpadded base64 of: version byte 0x01, the ratchet index (u32,
 * big-endian), the 128 ratchet bytes, the session's Ed25519 public key (32 bytes). The session
 * id is that key in unpadded base64. A megolm message (version 3) is: version byte, index
 * (protobuf tag 0x08, varint), ciphertext (tag 0x12, varint length), the first 8 bytes of an
 * HMAC-SHA-256 of all that, and an Ed25519 signature of all that and the MAC. AES-256-CBC key,
 * HMAC key and IV come from HKDF-SHA-256 of the ratchet with info "MEGOLM_KEYS".
 */
import {
  createCipheriv,
  createHmac,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
} from 'node:crypto';

/** An exported megolm session (the key export format's `SessionData` with its room and id). */
export type ExportedRoomKey = {
  algorithm: 'm.megolm.v1.aes-sha2';
  room_id: string;
  sender_key: string;
  sender_claimed_keys: { ed25519: string };
  session_id: string;
  session_key: string;
  forwarding_curve25519_key_chain: string[];
};

/** What encrypting with a session needs: its ratchet at `index`, and its signing key (PKCS#8 DER). */
export type SessionSecret = { index: number; ratchet: Buffer; signing: Buffer };

/** A made-up session: its export, and its secret to encrypt with. */
export type MadeRoomKey = { exported: ExportedRoomKey; secret: SessionSecret };

function unpadded(b: Uint8Array): string {
  return Buffer.from(b).toString('base64').replace(/=+$/, '');
}

/**
 * A new Ed25519 key pair: the raw public key (the last 32 bytes of its SPKI DER), and the
 * private key as PKCS#8 DER, both encoded by the key generation itself. Not through
 * `KeyObject.export({ format: 'jwk' })`: under Node 20 that deadlocks now and then (seen at
 * 1,000 and 20,000 sessions; the main thread waits forever on a mutex that a garbage collection
 * during the export wants, to free a finished `KeyGenJob`). Signing with the DER makes a fresh
 * key each time, shared with no job either.
 */
function ed25519Pair(): { publicKey: Buffer; privateKey: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return { publicKey: publicKey.subarray(-32), privateKey };
}

/** The sending device's keys shared by the sessions made here. */
export type Sender = { curve25519: string; ed25519: string };

/** A made-up sending device: a curve25519 identity key and a valid ed25519 key. */
export function makeSender(): Sender {
  return { curve25519: unpadded(randomBytes(32)), ed25519: unpadded(ed25519Pair().publicKey) };
}

/** A new megolm session of `sender` in `roomId`, exported at ratchet index `index`. */
export function makeRoomKey(sender: Sender, roomId: string, index = 0): MadeRoomKey {
  const ratchet = randomBytes(128);
  const { publicKey, privateKey } = ed25519Pair();
  const head = Buffer.alloc(5);
  head[0] = 0x01;
  head.writeUInt32BE(index, 1);
  return {
    exported: {
      algorithm: 'm.megolm.v1.aes-sha2',
      room_id: roomId,
      sender_key: sender.curve25519,
      sender_claimed_keys: { ed25519: sender.ed25519 },
      session_id: unpadded(publicKey),
      session_key: unpadded(Buffer.concat([head, ratchet, publicKey])),
      forwarding_curve25519_key_chain: [],
    },
    secret: { index, ratchet, signing: privateKey },
  };
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.from(out);
}

/** The base64 megolm ciphertext of `plaintext` with `secret` (at its exported index). */
export function megolmEncrypt(secret: SessionSecret, plaintext: string): string {
  const keys = Buffer.from(hkdfSync('sha256', secret.ratchet, Buffer.alloc(0), 'MEGOLM_KEYS', 80));
  const cipher = createCipheriv('aes-256-cbc', keys.subarray(0, 32), keys.subarray(64, 80));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x08]),
    varint(secret.index),
    Buffer.from([0x12]),
    varint(ciphertext.length),
    ciphertext,
  ]);
  const mac = createHmac('sha256', keys.subarray(32, 64)).update(body).digest().subarray(0, 8);
  const signing = { key: secret.signing, format: 'der', type: 'pkcs8' } as const;
  const signature = sign(null, Buffer.concat([body, mac]), signing);
  return unpadded(Buffer.concat([body, mac, signature]));
}

/** An `m.room.encrypted` event carrying `content` encrypted with `key`'s session. */
export function encryptedEvent(
  key: MadeRoomKey,
  content: Record<string, unknown>,
  sender = '@sender:example.org',
): Record<string, unknown> {
  const roomId = key.exported.room_id;
  const plaintext = JSON.stringify({ type: 'm.room.message', content, room_id: roomId });
  return {
    type: 'm.room.encrypted',
    event_id: `$${unpadded(randomBytes(12))}`,
    sender,
    origin_server_ts: Date.now(),
    room_id: roomId,
    content: {
      algorithm: 'm.megolm.v1.aes-sha2',
      sender_key: key.exported.sender_key,
      device_id: 'SENDERDEVICE',
      session_id: key.exported.session_id,
      ciphertext: megolmEncrypt(key.secret, plaintext),
    },
  };
}
