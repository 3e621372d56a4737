import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';

/**
 * The environment the server runs with: the variables of a `.env` file (if there is one), overridden by
 * the real environment, so `FOO=1 npm start` always beats what the file says.
 */
export function readEnvFile(path: string): Record<string, string> {
  return existsSync(path) ? parse(readFileSync(path)) : {};
}

export function mergeEnv(fromFile: Record<string, string>, fromProcess: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...fromFile, ...Object.fromEntries(Object.entries(fromProcess).filter(([, v]) => v !== undefined)) };
}
