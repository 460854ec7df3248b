// The Node entry: everything in the main entry, plus reading a bundle from a directory.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BundleReader } from './bundle/load.js';

export * from './index.js';

/** A bundle source that reads files from a directory on disk. */
export function directorySource(directory: string): { read: BundleReader; key: string } {
  const root = resolve(directory);
  return {
    key: `file://${root}/`,
    read: async (name) => {
      try {
        return new Uint8Array(await readFile(join(root, name)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
