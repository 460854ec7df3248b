// Test servers bind to a free loopback port: the server's own helper.
export { freePort } from '../src/net.js';
