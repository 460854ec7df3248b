// The bench's request mix, one definition for every bench that loads or scores (run.mjs, score-alone.mjs,
// profile-http.mjs, ab/): each call a fresh transaction id (the server is idempotent by id and would otherwise answer
// from storage), one of 5,000 customers and 10,000 terminals, an amount from 1 to 401 in cents, timestamped now.

/** A generator of the mix's transactions, ids `<prefix>-<n>` counting from 0 (one counter per generator). */
export function transactionMix(prefix) {
  let counter = 0;
  const rand = (n) => Math.floor(Math.random() * n);
  return () => ({
    id: `${prefix}-${counter++}`,
    customerId: `c-${rand(5000)}`,
    terminalId: `t-${rand(10000)}`,
    amount: Math.round((1 + Math.random() * 400) * 100) / 100,
    timestamp: new Date().toISOString(),
  });
}
