// The one zod import of the edge. jitless before any schema is built: zod would otherwise compile object parsers
// with `new Function`, which Workers and strict CSPs refuse; the interpreted parser behaves the same everywhere.
import { z } from 'zod';

z.config({ jitless: true });

export { z };
