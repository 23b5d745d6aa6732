import { Types } from 'mongoose';
import { Account } from '../db/account';
import { Admin } from '../db/admin';
import { Unauthorized, Unavailable } from '../api/errors';
import type { CreateAccount } from '../schemas/management';
import { generateApiKey, parseApiKey, secretsEqual, sha256Hex } from '../security/secrets';
import { isDuplicateKey } from '../db/errors';

export interface AdminIdentity {
  accountId: Types.ObjectId;
  adminID: number;
}

/** A new account with its first admin; the API key is shown once and stored only as a hash. */
export async function createAccount(input: CreateAccount): Promise<{ accountId: string; adminID: number; apiKey: string }> {
  const account = await Account.create({ name: input.name, plan: input.plan, nextAdminID: 1 });
  const { apiKey, keyId, apiKeyHash } = generateApiKey();
  await Admin.create({ accountId: account._id, adminID: 1, name: `${input.name} admin`, keyId, apiKeyHash });
  return { accountId: String(account._id), adminID: 1, apiKey };
}

// Hashed when no admin matches, so an unknown key id and a wrong secret cost the same.
const NO_ADMIN_HASH = sha256Hex('no-such-admin');

export async function authenticateApiKey(apiKey: string): Promise<AdminIdentity> {
  const parsed = parseApiKey(apiKey);
  const admin = parsed ? await Admin.findOne({ keyId: parsed.keyId }, { accountId: 1, adminID: 1, apiKeyHash: 1 }).lean() : null;
  const matches = secretsEqual(sha256Hex(parsed?.secret ?? ''), admin?.apiKeyHash ?? NO_ADMIN_HASH);
  if (!admin || !matches) throw new Unauthorized('unknown or revoked API key');
  return { accountId: admin.accountId, adminID: admin.adminID };
}

const ADMIN_ID_ATTEMPTS = 20;

/** Another admin of the same account, with its own API key (shown once) and the next numeric adminID. */
export async function createAdmin(caller: AdminIdentity, { name }: { name: string }): Promise<{ adminID: number; name: string; apiKey: string }> {
  for (let attempt = 0; attempt < ADMIN_ID_ATTEMPTS; attempt++) {
    // $inc is not atomic on FerretDB v1: the unique (accountId, adminID) index arbitrates, as for userIDs.
    const account = await Account.findOneAndUpdate({ _id: caller.accountId }, { $inc: { nextAdminID: 1 } }, { returnDocument: 'after' }).lean();
    if (!account) throw new Unauthorized('unknown or revoked API key');
    const { apiKey, keyId, apiKeyHash } = generateApiKey();
    try {
      await Admin.create({ accountId: caller.accountId, adminID: account.nextAdminID, name, keyId, apiKeyHash });
      return { adminID: account.nextAdminID, name, apiKey };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Unavailable('admin creation');
}
