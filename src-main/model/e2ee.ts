/**
 * End-to-end encryption: message shields, reasons a message could not be decrypted, devices,
 * verification and key backup (types only).
 *
 * @packageDocumentation
 */

import type { RoomId, UserId } from './ids';

/**
 * How far the sender of a decrypted message is trusted, as a shield shows it:
 * - `verified`: sent by a device its owner cross-signed, and we verified the owner (or it is us);
 * - `unverified`: a cross-signed device of a user we have not verified;
 * - `unsigned_device`: the owner has not cross-signed the sending device;
 * - `unknown_device`: the sending device is unknown or was deleted;
 * - `unauthenticated`: the key came from a backup or was forwarded, so authenticity is not
 *   guaranteed;
 * - `identity_changed`: the sender was verified, and their identity changed since;
 * - `mismatched_sender`: the key's owner is not the event's sender.
 */
export type Shield =
  | 'verified'
  | 'unverified'
  | 'unsigned_device'
  | 'unknown_device'
  | 'unauthenticated'
  | 'identity_changed'
  | 'mismatched_sender';

/**
 * Why a message could not be decrypted (yet):
 * - `missing_key`: the room key has not arrived (it is retried when it does);
 * - `withheld`: the sender's device refused to share the key (`withheldCode` says why);
 * - `unknown_index`: we hold the key only from a later message on;
 * - `before_device`: sent before this session existed, with no key from a backup yet;
 * - `untrusted_sender`: the sender's device is not trusted enough to decrypt from it;
 * - `malformed`: the ciphertext is corrupt, replayed or of an unknown algorithm.
 */
export type UtdReason =
  'missing_key' | 'withheld' | 'unknown_index' | 'before_device' | 'untrusted_sender' | 'malformed';

/** What happened to an event that arrived encrypted. */
export type EncryptionInfo =
  | { state: 'decrypted'; shield: Shield }
  | { state: 'undecryptable'; reason: UtdReason; withheldCode?: string };

/** One device (session) of a user, as the crypto store knows it. */
export type CryptoDevice = {
  deviceId: string;
  displayName?: string;
  /** The device's Ed25519 key (unpadded base64), for comparing out of band. */
  ed25519?: string;
  /** Cross-signed by its owner, and the owner is verified (or us). */
  verified: boolean;
  /** Verified by hand on this device. */
  locallyTrusted: boolean;
  /** Cross-signed by its owner's self-signing key. */
  crossSigned: boolean;
  /** This app's own session. */
  current: boolean;
};

/** A user's devices and the trust in their identity. */
export type UserCrypto = {
  userId: UserId;
  devices: CryptoDevice[];
  /** Their master key is verified by us (always true for ourselves once cross-signed). */
  identityVerified: boolean;
  /** We verified them earlier and their identity changed since: warn until acknowledged. */
  identityChanged: boolean;
};

/** The encryption state of the active account's session. */
export type CryptoStatus = {
  /** The Olm machine is running for this account. */
  ready: boolean;
  deviceId: string;
  /** This device's Ed25519 fingerprint (unpadded base64). */
  ed25519: string;
  crossSigning: {
    /** The account has a cross-signing identity on the server. */
    exists: boolean;
    /** This device holds the private keys (it can verify others). */
    privateKeysHere: boolean;
    /** This device is cross-signed by the account. */
    deviceVerified: boolean;
    /** Why setting cross-signing up failed (tried again at the next sign-in), when it did. */
    problem?: string;
  };
  backup: {
    /** The server has a key backup this device can use. */
    enabled: boolean;
    version?: string;
    /** Room keys this device holds, and how many of them are in the backup. */
    keys: number;
    backedUp: number;
    /** Why keys are not being backed up (the server's backup was deleted or replaced). */
    problem?: string;
  };
  /** Secret storage with a recovery key is set up on the account. */
  secretStorage: boolean;
};

/** The phase of a verification, as its dialog shows it. */
export type VerificationPhase =
  | 'requested' // waiting for the other side to accept (outgoing) or for us (incoming)
  | 'ready' // both accepted; emoji comparison can start
  | 'started' // SAS started, waiting for the emoji
  | 'emoji' // the seven emoji are shown: do they match?
  | 'confirmed' // we said they match; waiting for the other side
  | 'done'
  | 'cancelled';

/** One of the seven SAS emoji, with its English name from the spec. */
export type SasEmoji = { symbol: string; name: string };

/** A verification in progress (or just finished). */
export type Verification = {
  /** Stable id of this verification (the transaction id or the request's event id). */
  flowId: string;
  /** The user being verified (ourselves for another of our sessions). */
  userId: UserId;
  /** The other session, for our own devices. */
  deviceId?: string;
  /** Set for verifications of another user, which run in a direct chat. */
  roomId?: RoomId;
  /** They asked (we may "Accept" or "Decline"). */
  incoming: boolean;
  phase: VerificationPhase;
  /** The seven emoji, once phase is `emoji`. */
  emoji?: SasEmoji[];
  /** Why it was cancelled, in words. */
  cancelReason?: string;
  /** Which method completed or is in use (`m.sas.v1`, `m.reciprocate.v1`). */
  method?: string;
};
