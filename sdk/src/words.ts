// A small entry point for user interfaces (the dashboard): a bundle's feature spec compiled and described in words,
// without the scorer, onnxruntime or the trees.
export { compileSpec, type CompiledSpec } from './features/spec.js';
export { describeFeatures, LANGS, type FeatureWords, type Lang, type ValueKind } from './features/words.js';
