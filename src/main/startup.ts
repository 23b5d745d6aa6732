import { ConfigError } from '../config';

/** A bad configuration prints one clear line; anything else prints its stack. Either way the process exits 1. */
export function exitOnStartupError(err: unknown): never {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
}
