// The edge package's version (edge/package.json; a test keeps them equal), for /openapi.json's info.
export const EDGE_VERSION = '0.1.0';
