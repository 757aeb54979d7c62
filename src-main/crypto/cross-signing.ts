/**
 * Cross-signing of our own account: whether the server holds an identity, creating one
 * (`bootstrapCrossSigning`, its signing keys uploaded behind password auth), and signing this
 * device with the self-signing key once the private keys are here.
 *
 * @packageDocumentation
 */
import { HomeserverError } from '../net/errors';
import type { PasswordAuth } from '../net/crypto-api';
import { isObject, type JsonObject } from '../protocol/events';
import { CryptoError, wasmError } from './crypto-error';
import type { CryptoMachine } from './machine';
import { wasm } from './wasm';

/** What this device and the server have of our cross-signing identity. */
export type OwnCrossSigning = {
  /** The server holds a master key for the account. */
  onServer: boolean;
  /** This device holds all three private keys. */
  privateKeysHere: boolean;
};

/**
 * Asks the server for our own keys now (an out-of-band `/keys/query`) and feeds the answer to
 * the machine, so its view of our identity and devices is current. Returns whether the server
 * holds a master key for us (the machine's own view may hold a local identity that never
 * reached the server).
 */
export async function refreshOwnKeys(m: CryptoMachine): Promise<boolean> {
  const request = m.olm.queryKeysForUsers([new wasm.UserId(m.userId)]);
  try {
    const reply = await m.api.keysQuery(JSON.parse(request.body));
    await m.olm.markRequestAsSent(request.id, request.type, JSON.stringify(reply));
    const masters = reply.master_keys;
    return isObject(masters) && isObject(masters[m.userId]);
  } finally {
    request.free();
  }
}

/** Whether the account has cross-signing on the server, and whether its keys are here. */
export async function ownCrossSigning(m: CryptoMachine): Promise<OwnCrossSigning> {
  const onServer = await refreshOwnKeys(m);
  const status = await m.olm.crossSigningStatus();
  const out = {
    onServer,
    privateKeysHere: status.hasMaster && status.hasSelfSigning && status.hasUserSigning,
  };
  status.free();
  return out;
}

/**
 * Creates a new cross-signing identity and uploads it: the device keys first if the machine
 * has not yet, then the signing keys (with the password when the server asks for auth), then
 * the signatures. A server that wants a password when none was given is a
 * `password_needed` {@link CryptoError}.
 */
export async function bootstrapCrossSigning(m: CryptoMachine, auth?: PasswordAuth): Promise<void> {
  let requests: wasm.CrossSigningBootstrapRequests;
  try {
    requests = await m.olm.bootstrapCrossSigning(true);
  } catch (err) {
    throw wasmError(err, 'creating the cross-signing keys');
  }
  try {
    const upload = requests.uploadKeysRequest as wasm.KeysUploadRequest | undefined;
    if (upload) await m.send(upload);
    const body = JSON.parse(requests.uploadSigningKeysRequest.body) as JsonObject;
    try {
      await m.api.signingKeysUpload(body, auth);
    } catch (err) {
      if (!auth && err instanceof HomeserverError && err.status === 401)
        throw new CryptoError(
          'password_needed',
          'The server wants your password to set up cross-signing: sign in again to set it up',
          { cause: err },
        );
      throw err;
    }
    await m.send(requests.uploadSignaturesRequest);
  } finally {
    requests.free();
  }
  await refreshOwnKeys(m);
}

/**
 * Signs this device with our self-signing key (the private keys must be here) and reads our
 * keys back, so the machine sees the device cross-signed.
 */
export async function crossSignOwnDevice(m: CryptoMachine): Promise<void> {
  const device = await m.olm.getDevice(new wasm.UserId(m.userId), new wasm.DeviceId(m.deviceId));
  if (!device) throw new CryptoError('crypto_failed', 'This session is not on the server yet');
  let request: wasm.SignatureUploadRequest;
  try {
    request = await device.verify();
  } catch (err) {
    throw wasmError(err, 'signing this session');
  } finally {
    device.free();
  }
  try {
    await m.send(request);
  } finally {
    request.free();
  }
  await refreshOwnKeys(m);
}

/** Whether this device is cross-signed by our identity, as the machine knows it. */
export async function ownDeviceVerified(m: CryptoMachine): Promise<boolean> {
  const device = await m.olm.getDevice(new wasm.UserId(m.userId), new wasm.DeviceId(m.deviceId));
  const verified = device?.isCrossSignedByOwner() ?? false;
  device?.free();
  return verified;
}
