import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  BotIdAttribute,
  ChannelKeyAttribute,
  SessionStatusAttribute,
  UserIdAttribute,
} from '../../workflows/definitions';

/** The search attributes operators filter sessions by in the Temporal UI. */
export const SESSION_SEARCH_ATTRIBUTES = [ChannelKeyAttribute, UserIdAttribute, SessionStatusAttribute, BotIdAttribute];

type ValueType = (typeof SESSION_SEARCH_ATTRIBUTES)[number]['type'];
const CLI_TYPE: Record<ValueType, string> = { KEYWORD: 'Keyword', INT: 'Int' };
const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPE: Record<ValueType, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/** `--search-attribute Name=Type` flags for the Temporal CLI dev server. */
export function devServerSearchAttributeFlags(): string[] {
  return SESSION_SEARCH_ATTRIBUTES.flatMap(({ name, type }) => ['--search-attribute', `${name}=${CLI_TYPE[type]}`]);
}

/** Registers whichever session search attributes the namespace lacks; returns the names it added. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = { ...existing.customAttributes, ...existing.systemAttributes };
  const missing = SESSION_SEARCH_ATTRIBUTES.filter(({ name }) => !(name in known));
  if (missing.length > 0) await addSearchAttributes(connection, namespace, missing);
  return missing.map(({ name }) => name);
}

/** Adds the given attributes without looking first (the time-skipping test server cannot list them). */
export async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly (typeof SESSION_SEARCH_ATTRIBUTES)[number][] = SESSION_SEARCH_ATTRIBUTES,
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map(({ name, type }) => [name, INDEXED_TYPE[type]])),
  });
}
