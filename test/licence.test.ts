// The published packages carry the repository's licence: npm packs a package's own LICENSE, so each keeps a copy,
// which must stay the root's text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './fixtures.js';

const PUBLISHED = ['sdk', 'models/simulator'];

describe('licence copies', () => {
  const licence = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
  it.each(PUBLISHED)('%s/LICENSE is the root LICENSE and is in its package files', (dir) => {
    expect(readFileSync(join(REPO_ROOT, dir, 'LICENSE'), 'utf8')).toBe(licence);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
      files: string[];
      license: string;
    };
    expect(manifest.files).toContain('LICENSE');
    expect(manifest.license).toBe('Apache-2.0');
  });
});
