// GET /v1/models/{version}/bundle/{file}: path parameters (an unknown version or file is 404).
import { z } from './zod.js';

export const bundlePath = z.object({
  version: z.string().meta({ description: 'Model version, as GET /v1/models reports it.' }),
  file: z
    .string()
    .meta({ description: 'A bundle file: manifest.json, features.json, trees.json, model.onnx, reference.json.' }),
});
