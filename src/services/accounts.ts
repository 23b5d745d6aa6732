import { Types } from 'mongoose';
import { Account } from '../db/account';
import { Admin } from '../db/admin';
import { Unauthorized } from '../api/errors';
import type { CreateAccount } from '../schemas/management';
import { generateApiKey, parseApiKey, secretsEqual, sha256Hex } from '../security/secrets';

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
