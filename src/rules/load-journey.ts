import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journey } from '../domain/journey.js';
import { parseJourney } from './journey-schema.js';

/** bitable-templates/ at the project root, wherever the process was started from. */
export const TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../bitable-templates');

export const JOURNEY_PRESETS = ['default', 'lifecycle-9', 'funnel-4'] as const;
export type JourneyPresetId = (typeof JOURNEY_PRESETS)[number];

/** Load a journey: a preset id, or a path to a JSON file with the same shape. */
export function loadJourney(idOrPath: string): Journey {
  const file = (JOURNEY_PRESETS as readonly string[]).includes(idOrPath) ? join(TEMPLATES_DIR, 'journeys', `${idOrPath}.json`) : resolve(idOrPath);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read journey "${idOrPath}" from ${file}: ${(e as Error).message}`);
  }
  return parseJourney(raw, file);
}

export function listJourneyFiles(): string[] {
  return readdirSync(join(TEMPLATES_DIR, 'journeys')).filter((f) => f.endsWith('.json'));
}
