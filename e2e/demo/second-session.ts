/**
 * The demo account's second session, "Demo phone", set up once (on the first run) the way a
 * person would: secure backup set up in the app, whose session cross-signed itself when it
 * signed in; then the phone signs in and restores from the recovery key, which cross-signs it.
 * The app then lists the phone as a verified session. The phone's core keeps its folder, so
 * its device stays the same; it does not run afterwards.
 */
import { Core } from '../../src-main/core/core';
import type { CoreApi } from '../../src-main/ipc/core-api';
import { call, signIn, type Credentials } from './core-calls';

/** The second session's device name. */
export const PHONE_NAME = 'Demo phone';

/** What setting the second session up gave. */
export type SecondSession = {
  /** The recovery key secure backup was set up with. */
  recoveryKey: string;
  /** The phone's device. */
  deviceId: string;
};

/** Where the phone's core lives, and whose account it signs in to. */
export type PhoneOptions = {
  dataDir: string;
  appVersion: string;
  account: Omit<Credentials, 'deviceName'>;
};

/**
 * Sets up secure backup on `app` (the account's signed-in session), then signs the phone in
 * and restores it from the recovery key; resolves once the phone is cross-signed.
 */
export async function setUpSecondSession(app: CoreApi, o: PhoneOptions): Promise<SecondSession> {
  const { recoveryKey } = await call(app, 'backup.setup', {});
  const phone = new Core(o.dataDir, o.appVersion);
  try {
    await phone.start();
    const account = await signIn(phone, { ...o.account, deviceName: PHONE_NAME });
    await call(phone, 'backup.restore', { recoveryKey });
    const { crossSigning } = await call(phone, 'crypto.status', {});
    if (!crossSigning.deviceVerified) {
      throw new Error(`the restore did not cross-sign ${PHONE_NAME}`);
    }
    return { recoveryKey, deviceId: account.deviceId };
  } finally {
    await phone.close();
  }
}
