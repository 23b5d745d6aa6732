import { Types } from 'mongoose';
import { Account } from '../db/account';
import { Admin, type AdminRole } from '../db/admin';
import { Conflict, Forbidden, NotFound, Unauthorized, Unavailable } from '../errors';
import { MAX_API_KEYS_PER_ACCOUNT } from '../plans';
import type { CreateAccount, CreateAdmin } from '../schemas/management';
import { generateApiKey, parseApiKey, secretsEqual, sha256Hex } from '../security/secrets';
import { isDuplicateKey } from '../db/errors';

export interface AdminIdentity {
  accountId: Types.ObjectId;
  adminID: number;
  role: AdminRole;
}

/** A key as GET /v1/admins shows it: never the key or its hash, only the public id it starts with. */
export interface AdminKeyView {
  adminID: number;
  name: string;
  role: AdminRole;
  /** "pk_<keyId>_…": tells keys apart without showing them. */
  keyPrefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A new account with its first admin; the API key is shown once and stored only as a hash. */
export async function createAccount(input: CreateAccount): Promise<{ accountId: string; adminID: number; apiKey: string }> {
  const account = await Account.create({ name: input.name, plan: input.plan, nextAdminID: 1 });
  const { apiKey, keyId, apiKeyHash } = generateApiKey();
  await Admin.create({ accountId: account._id, adminID: 1, name: `${input.name} admin`, keyId, apiKeyHash, role: 'admin' });
  return { accountId: String(account._id), adminID: 1, apiKey };
}

// Hashed when no admin matches, so an unknown key id and a wrong secret cost the same.
const NO_ADMIN_HASH = sha256Hex('no-such-admin');

/** The admin a key belongs to; 401 alike for an unknown, wrong, revoked or expired key. */
export async function authenticateApiKey(apiKey: string, now = new Date()): Promise<AdminIdentity> {
  const parsed = parseApiKey(apiKey);
  const admin = parsed
    ? await Admin.findOne({ keyId: parsed.keyId }, { accountId: 1, adminID: 1, apiKeyHash: 1, role: 1, expiresAt: 1, revokedAt: 1 }).lean()
    : null;
  const matches = secretsEqual(sha256Hex(parsed?.secret ?? ''), admin?.apiKeyHash ?? NO_ADMIN_HASH);
  if (!admin || !matches || !isActive(admin, now)) throw new Unauthorized('unknown, revoked or expired API key');
  return { accountId: admin.accountId, adminID: admin.adminID, role: admin.role ?? 'admin' };
}

const isActive = (key: { revokedAt?: Date | null; expiresAt?: Date | null }, now: Date) => !key.revokedAt && !(key.expiresAt && key.expiresAt <= now);

/** Keys that still open the API: not revoked, not expired. */
const activeKeys = (accountId: Types.ObjectId, now: Date, extra: Record<string, unknown> = {}) => ({
  accountId, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }], ...extra,
});

const ADMIN_ID_ATTEMPTS = 20;

/**
 * Another admin of the same account, with its own API key (shown once), the next numeric adminID, a role and an
 * optional expiry. An account holds at most MAX_API_KEYS_PER_ACCOUNT active keys: counted after the insert, so two
 * racing creations cannot both squeeze past the cap.
 */
export async function createAdmin(caller: AdminIdentity, input: CreateAdmin, now = new Date()) {
  const role = input.role ?? 'admin';
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null;
  for (let attempt = 0; attempt < ADMIN_ID_ATTEMPTS; attempt++) {
    // $inc is not atomic on FerretDB v1: the unique (accountId, adminID) index arbitrates, as for userIDs.
    const account = await Account.findOneAndUpdate({ _id: caller.accountId }, { $inc: { nextAdminID: 1 } }, { returnDocument: 'after' }).lean();
    if (!account) throw new Unauthorized('unknown, revoked or expired API key');
    const adminID = account.nextAdminID;
    const { apiKey, keyId, apiKeyHash } = generateApiKey();
    try {
      await Admin.create({ accountId: caller.accountId, adminID, name: input.name, keyId, apiKeyHash, role, ...(expiresAt ? { expiresAt } : {}) });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    // The newest keys over the cap give way: of two racing creations at the cap, the later adminID is refused.
    const older = await Admin.countDocuments(activeKeys(caller.accountId, now, { adminID: { $lt: adminID } }));
    if (older >= MAX_API_KEYS_PER_ACCOUNT) {
      await Admin.deleteOne({ accountId: caller.accountId, adminID });
      throw new Forbidden('api_key_limit', `an account holds at most ${MAX_API_KEYS_PER_ACCOUNT} active API keys; revoke one first`);
    }
    return { adminID, name: input.name, role, expiresAt, apiKey };
  }
  throw new Unavailable('admin creation');
}

/** Every key of the account, oldest first, revoked and expired ones included (at most a few dozen). */
export async function listAdmins(caller: AdminIdentity): Promise<{ admins: AdminKeyView[] }> {
  const rows = await Admin.find({ accountId: caller.accountId }).sort({ adminID: 1 }).lean();
  return { admins: rows.map(keyView) };
}

/**
 * Revokes an admin's key: refused on every API replica from the next request (keys are looked up per request).
 * Revoking a revoked key changes nothing. A key cannot revoke itself, and the account's last active admin-role key
 * cannot go (the account would be locked out): checked after the write, so two admins revoking each other at once
 * cannot take the last two.
 */
export async function revokeAdmin(caller: AdminIdentity, adminID: number, now = new Date()): Promise<AdminKeyView> {
  if (adminID === caller.adminID) throw new Conflict('own_key', 'a key cannot revoke itself; revoke it with another admin key');
  const target = await Admin.findOne({ accountId: caller.accountId, adminID }).lean();
  if (!target) throw new NotFound('admin_not_found', `no admin ${adminID} in this account`);
  if (target.revokedAt) return keyView(target);
  await Admin.updateOne({ _id: target._id, revokedAt: null }, { $set: { revokedAt: now } });
  if ((target.role ?? 'admin') === 'admin' && (await Admin.countDocuments(activeKeys(caller.accountId, now, { role: { $ne: 'agent' } }))) === 0) {
    await Admin.updateOne({ _id: target._id }, { $unset: { revokedAt: 1 } });
    throw new Conflict('last_admin_key', 'this is the account\'s last active admin key; create another admin key first');
  }
  return keyView({ ...target, revokedAt: now });
}

function keyView(row: {
  adminID: number; name: string; role?: AdminRole | null; keyId: string; createdAt: Date; expiresAt?: Date | null; revokedAt?: Date | null;
}): AdminKeyView {
  return {
    adminID: row.adminID,
    name: row.name,
    role: row.role ?? 'admin',
    keyPrefix: `pk_${row.keyId}_…`,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? null,
    revokedAt: row.revokedAt ?? null,
  };
}
