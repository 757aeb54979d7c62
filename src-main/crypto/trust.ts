/**
 * What the crypto store knows about trust, as the contract's plain data: this session's keys
 * and cross-signing state, and any user's devices and identity.
 *
 * @packageDocumentation
 */
import type { CryptoDevice, CryptoStatus, UserCrypto } from '../model/e2ee';
import type { CryptoMachine } from './machine';
import { wasm } from './wasm';

/** This session's encryption state (`secretStorage` is the caller's: it lives in account data). */
export async function cryptoStatus(
  m: CryptoMachine,
  secretStorage: boolean,
): Promise<CryptoStatus> {
  const olm = m.olm;
  const keys = olm.identityKeys;
  const ed25519 = keys.ed25519.toBase64();
  keys.free();
  const cs = await olm.crossSigningStatus();
  const own = await olm.getIdentity(new wasm.UserId(m.userId));
  const device = await olm.getDevice(new wasm.UserId(m.userId), new wasm.DeviceId(m.deviceId));
  const counts = await olm.roomKeyCounts();
  const backupKeys = await olm.getBackupKeys();
  const status: CryptoStatus = {
    ready: true,
    deviceId: m.deviceId,
    ed25519,
    crossSigning: {
      exists: own !== undefined,
      privateKeysHere: cs.hasMaster && cs.hasSelfSigning && cs.hasUserSigning,
      deviceVerified: device?.isCrossSignedByOwner() ?? false,
    },
    backup: {
      enabled: await olm.isBackupEnabled(),
      keys: counts.total,
      backedUp: counts.backedUp,
    },
    secretStorage,
  };
  const version = backupKeys.backupVersion;
  if (version) status.backup.version = version;
  for (const o of [cs, own, device, counts, backupKeys]) o?.free();
  return status;
}

function deviceOf(d: wasm.Device, current: string | undefined): CryptoDevice {
  const id = d.deviceId.toString();
  const out: CryptoDevice = {
    deviceId: id,
    verified: d.isVerified(),
    locallyTrusted: d.isLocallyTrusted(),
    crossSigned: d.isCrossSignedByOwner(),
    current: id === current,
  };
  if (d.displayName) out.displayName = d.displayName;
  const ed = d.ed25519Key?.toBase64();
  if (ed) out.ed25519 = ed;
  return out;
}

/**
 * Follows `userId`'s devices from now on if the machine did not yet, and waits for the first
 * answer. The machine follows only users it encrypted for; anyone else (the other side of a
 * DM we have not written in yet) would otherwise be listed without devices.
 */
async function ensureTracked(m: CryptoMachine, userId: string): Promise<void> {
  let tracked = false;
  for (const u of await m.olm.trackedUsers()) {
    if (u.toString() === userId) tracked = true;
    u.free();
  }
  if (tracked) return;
  await m.olm.updateTrackedUsers([new wasm.UserId(userId)]);
  await m.flush(); // the /keys/query for them
}

/** A user's devices (deleted ones left out) and the trust in their identity. */
export async function userCrypto(m: CryptoMachine, userId: string): Promise<UserCrypto> {
  await ensureTracked(m, userId);
  const olm = m.olm;
  const devices = await olm.getUserDevices(new wasm.UserId(userId), 0);
  const list: CryptoDevice[] = [];
  for (const d of devices.devices()) {
    if (!d.isDeleted()) list.push(deviceOf(d, userId === m.userId ? m.deviceId : undefined));
    d.free();
  }
  devices.free();
  const identity = await olm.getIdentity(new wasm.UserId(userId));
  const out: UserCrypto = {
    userId,
    devices: list.sort((a, b) => Number(b.current) - Number(a.current)),
    identityVerified: identity?.isVerified() ?? false,
    identityChanged: identity?.hasVerificationViolation() ?? false,
  };
  identity?.free();
  return out;
}

/**
 * Accepts a user's new identity after it changed: a verified user's verification is withdrawn
 * (verify them again to restore it), an unverified one's new key is pinned.
 */
export async function acknowledgeIdentity(m: CryptoMachine, userId: string): Promise<void> {
  const identity = await m.olm.getIdentity(new wasm.UserId(userId));
  if (!identity) return;
  try {
    if (identity.hasVerificationViolation()) await identity.withdrawVerification();
    if (identity instanceof wasm.OtherUserIdentity && identity.identityNeedsUserApproval())
      await identity.pinCurrentMasterKey();
  } finally {
    identity.free();
  }
}
