// The shared online feature history on Redis (or Valkey): what every replica, stream processor and worker process
// scores against, so they all compute exactly what one process computes. It answers the same windows as the SDK's
// MemoryHistoryStore (per entity value, entries by timestamp, ties in arrival order; labels set late; retention =
// the spec's longest look-back + margin) and implements the edge's ServerHistory. A label is stored with the time it
// became known (the analyst's decision time), which windows over labels as known at scoring time read.
//
// Layout (every key under one hash tag, so a cluster keeps them in one slot and the scripts stay atomic):
//   <p>{h}:tx            hash   id → "<seq>|<JSON array of the stored fields>"  (the transaction, without its label)
//   <p>{h}:label         hash   id → "<0|1>|<known-at epoch ms, or empty>"       (labels, set late, and when known)
//   <p>{h}:seq           string arrival counter: the order of transactions with equal timestamps
//   <p>{h}:time          zset   id by timestamp                                (retention)
//   <p>{h}:e:<entity>:<value>  zset  "<seq, 15 digits><id>" by timestamp     (one timeline per entity value)
//   <p>{h}:meta          hash   the layout the history was written with (entities, fields, retention)
// Members of a timeline with equal timestamps sort by their seq prefix, i.e. in arrival order, as in memory.
//
// One round trip per batch: the `open` script (1) reads every timeline range the batch's windows can read, then (2)
// adds the batch's transactions that are not stored yet (idempotent by id: a redelivered Kafka batch or a retried
// request adds nothing). An id stored with other content is held, not replaced, as in memory: the scoring service
// compares content with storage (a conflict) and brings the history to what storage keeps (replace), so a later
// request's other content never displaces an earlier one that may be stored already. Being one script, it
// is atomic: two processes see each other's transactions in the order Redis ran their scripts, as if one process
// had scored them in that order. The caller scores from the returned snapshot (an SDK MemoryHistoryStore seeded
// with those ranges), recording the batch's transactions into it as it goes. Concurrent batches of one process
// share one script call (the second waits while the first runs, then both go in one).
import { groupCalls, knownAtOf, type HistoryBatch, type ServerHistory } from '@fraudscore/edge';
import {
  checkLabel,
  MemoryHistoryStore,
  ValidationError,
  type CompiledSpec,
  type HistoryEntry,
  type NormalizedTransaction,
} from '@fraudscore/sdk';
import { RedisConnection, script, unavailable } from './connection.js';

const DAY_MS = 86_400_000;
const CORE_FIELDS = ['customerId', 'terminalId', 'amount', 'timestamp'] as const;

export interface RedisHistoryOptions {
  /** Key prefix (default "fraudscore:"); the history's keys add the hash tag "{h}". */
  prefix?: string;
  /** Extra time kept beyond the longest look-back, and how often pruning runs (default 1 day, as in memory). */
  marginMs?: number;
  /** The current time in epoch ms for retention (default Date.now; a replay passes its stream time). */
  clock?: () => number;
  /** Transactions one merged script call takes at most (default 2,000). */
  maxBatch?: number;
}

// Shared Lua: the key of an entity value's timeline, and taking one stored transaction out of every index.
// ARGV layout common to the scripts: ARGV[1] = key prefix ("<p>{h}:"), ARGV[2] = the entity fields, comma-separated,
// ARGV[3] = their positions in the stored JSON array (1-based), comma-separated.
const LUA_COMMON = `
local prefix = ARGV[1]
local entities = {}
for e in string.gmatch(ARGV[2], '[^,]+') do entities[#entities + 1] = e end
local positions = {}
for p in string.gmatch(ARGV[3], '[^,]+') do positions[#positions + 1] = tonumber(p) end
local K_TX, K_LABEL, K_SEQ, K_TIME = prefix .. 'tx', prefix .. 'label', prefix .. 'seq', prefix .. 'time'

local function split(stored)
  local bar = string.find(stored, '|', 1, true)
  return string.sub(stored, 1, bar - 1), string.sub(stored, bar + 1)
end

local function member(seq, id)
  return string.format('%015d', tonumber(seq)) .. id
end

local function drop(id)
  local stored = redis.call('HGET', K_TX, id)
  if not stored then return 0 end
  local seq, body = split(stored)
  local fields = cjson.decode(body)
  local m = member(seq, id)
  for i, entity in ipairs(entities) do
    redis.call('ZREM', prefix .. 'e:' .. entity .. ':' .. tostring(fields[positions[i]]), m)
  end
  redis.call('ZREM', K_TIME, id)
  redis.call('HDEL', K_TX, id)
  redis.call('HDEL', K_LABEL, id)
  redis.call('HDEL', prefix .. 'ls:out', id) -- its label count's outcome (label-stats.ts) goes with it
  return 1
end
`;

// open: ARGV[4] = "keep" (an id stored with other content stays) or "replace" (it is replaced: loading from storage,
// the service's replace), ARGV[5] = number of ranges R, then R x (timeline key, from exclusive, to inclusive); then
// the batch's transactions, each (id, timestamp, body JSON, label (labelValue) or "", its E timeline keys).
// Returns { per range: its members; ids; bodies; labels; per transaction: its seq, 0 when it was stored already with
// the same content, -1 with other content (kept) }.
const OPEN = script(`${LUA_COMMON}
local replace = ARGV[4] == 'replace'
local ranges = tonumber(ARGV[5])
local a = 6 + 3 * ranges
local txs = {}
while a <= #ARGV do
  local tx = { id = ARGV[a], ts = ARGV[a + 1], body = ARGV[a + 2], label = ARGV[a + 3], keys = {} }
  for i = 1, #entities do tx.keys[i] = ARGV[a + 3 + i] end
  txs[#txs + 1] = tx
  a = a + 4 + #entities
end
-- 0. Replacing: an id stored with other content goes first.
if replace then
  for _, tx in ipairs(txs) do
    local stored = redis.call('HGET', K_TX, tx.id)
    if stored then
      local _, body = split(stored)
      if body ~= tx.body then drop(tx.id) end
    end
  end
end
-- 1. The ranges the batch's windows read, before the batch is added.
local members, ids, seen = {}, {}, {}
for r = 1, ranges do
  local b = 6 + 3 * (r - 1)
  local got = redis.call('ZRANGEBYSCORE', ARGV[b], '(' .. ARGV[b + 1], ARGV[b + 2])
  members[r] = got
  for _, m in ipairs(got) do
    local id = string.sub(m, 16)
    if not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
end
local bodies, labels = {}, {}
for i = 1, #ids, 500 do
  local chunk = { unpack(ids, i, math.min(i + 499, #ids)) }
  local b = redis.call('HMGET', K_TX, unpack(chunk))
  local l = redis.call('HMGET', K_LABEL, unpack(chunk))
  for j = 1, #chunk do
    bodies[#bodies + 1] = b[j] or ''
    labels[#labels + 1] = l[j] or ''
  end
end
-- 2. The batch's new transactions, in order.
local seqs = {}
for t, tx in ipairs(txs) do
  local stored = redis.call('HGET', K_TX, tx.id)
  if stored then
    local _, body = split(stored)
    if body == tx.body then seqs[t] = 0 else seqs[t] = -1 end
  else
    local seq = redis.call('INCR', K_SEQ)
    local m = member(seq, tx.id)
    for _, key in ipairs(tx.keys) do redis.call('ZADD', key, tx.ts, m) end
    redis.call('ZADD', K_TIME, tx.ts, tx.id)
    redis.call('HSET', K_TX, tx.id, seq .. '|' .. tx.body)
    if tx.label ~= '' then redis.call('HSET', K_LABEL, tx.id, tx.label) end
    seqs[t] = seq
  end
end
return { members, ids, bodies, labels, seqs }
`);

// remove: ARGV[4..] = pairs (id, body JSON): each dropped only while it is stored with that content. Returns how many.
const REMOVE = script(`${LUA_COMMON}
local removed = 0
for a = 4, #ARGV, 2 do
  local stored = redis.call('HGET', K_TX, ARGV[a])
  if stored then
    local _, body = split(stored)
    if body == ARGV[a + 1] then removed = removed + drop(ARGV[a]) end
  end
end
return removed
`);

// label: ARGV[4] = id, ARGV[5] = the stored label (labelValue) or "" (none). Returns 1 when the id is stored, else 0.
const LABEL = script(`${LUA_COMMON}
if redis.call('HEXISTS', K_TX, ARGV[4]) == 0 then return 0 end
if ARGV[5] == '' then redis.call('HDEL', K_LABEL, ARGV[4]) else redis.call('HSET', K_LABEL, ARGV[4], ARGV[5]) end
return 1
`);

// prune: ARGV[4] = cutoff (entries with timestamp <= cutoff go), ARGV[5] = at most this many. Returns how many went.
const PRUNE = script(`${LUA_COMMON}
local ids = redis.call('ZRANGEBYSCORE', K_TIME, '-inf', ARGV[4], 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(ids) do drop(id) end
return #ids
`);

// layout: ARGV[4] = the layout this process writes. Stores it when the history has none; returns the stored one.
const LAYOUT = script(`${LUA_COMMON}
local stored = redis.call('HGET', prefix .. 'meta', 'layout')
if not stored then
  redis.call('HSET', prefix .. 'meta', 'layout', ARGV[4])
  return ARGV[4]
end
return stored
`);

/** What the open script answers, parsed once and shared by the callers of a merged call. */
interface Opened {
  /** Per range key: its entries in timeline order. */
  ranges: Map<string, HistoryEntry[]>;
  /** Per transaction of the merged call: its seq (0: stored already with the same content, -1: with other content). */
  seqs: number[];
  txs: readonly NormalizedTransaction[];
}

/** The store as the scoring service uses it (ServerHistory), plus what operations and tests need. */
export class RedisHistory implements ServerHistory {
  readonly retentionMs: number;
  readonly coveredEntities: ReadonlySet<string>;
  private readonly entities: readonly string[];
  /** The stored JSON array's fields: the core ones, then the spec's other declared fields. */
  private readonly fields: readonly string[];
  private readonly lookBack: ReadonlyMap<string, number>;
  private readonly base: string;
  private readonly common: string[];
  private readonly marginMs: number;
  private readonly clock: () => number;
  private nextPruneAt = -Infinity;
  private pruning: Promise<number> | undefined;
  private layoutChecked = false;
  private readonly openMerged: (txs: readonly NormalizedTransaction[]) => Promise<{ opened: Opened; at: number }[]>;

  constructor(
    private readonly connection: RedisConnection,
    private readonly spec: CompiledSpec,
    options: RedisHistoryOptions = {},
  ) {
    this.entities = spec.entities.map((e) => e.entity);
    this.coveredEntities = new Set(this.entities);
    this.lookBack = new Map(spec.entities.map((e) => [e.entity, e.lookBackMs]));
    this.marginMs = options.marginMs ?? DAY_MS;
    this.retentionMs = spec.lookBackMs + this.marginMs;
    this.clock = options.clock ?? Date.now;
    this.fields = [...CORE_FIELDS, ...[...spec.fields.keys()].filter((f) => !isCore(f) && !isApart(f))];
    for (const entity of this.entities)
      if (!this.fields.includes(entity)) throw new ValidationError(entity, 'is windowed on but not a stored field');
    this.base = `${options.prefix ?? 'fraudscore:'}{h}:`;
    this.common = [this.base, this.entities.join(','), this.entities.map((e) => this.fields.indexOf(e) + 1).join(',')];
    this.openMerged = groupCalls(async (txs) => {
      const opened = await this.openOnce(txs);
      return txs.map((_, at) => ({ opened, at }));
    }, options.maxBatch ?? 2_000);
  }

  /** The layout the history is written in; a history written with another one is refused (see checkLayout). */
  get layout(): string {
    // format 2: labels carry their known-at times (a format-1 history has none: load it again from storage)
    return JSON.stringify({ format: 2, entities: this.entities, fields: this.fields, retentionMs: this.retentionMs });
  }

  /**
   * Checks that Redis holds a history written for this spec's entities and fields (storing the layout when it holds
   * none). A history written for another spec would silently miss fields; the message says how to start over.
   */
  async checkLayout(): Promise<void> {
    const stored = String(await this.call('the shared feature history', LAYOUT, [this.layout]));
    if (stored !== this.layout) {
      throw new Error(
        `the shared feature history under ${this.base}* was written for another feature spec (${stored}); this model ` +
          `needs ${this.layout}. Load it for this spec into a new REDIS_PREFIX (fraudscore-ops load-history), or delete those keys.`,
      );
    }
    this.layoutChecked = true;
  }

  async open(txs: readonly NormalizedTransaction[]): Promise<HistoryBatch> {
    if (txs.length === 0) return { view: this.snapshot(new Map(), []), added: [], held: [] };
    if (!this.layoutChecked) await this.checkLayout();
    const results = await this.openMerged(txs);
    const { opened, at } = results[0]!;
    // This caller's view: the ranges as they were before the merged call, plus the transactions of the callers
    // before it in that call (Redis added them first), in order; the scorer records this caller's own as it goes.
    const earlier: HistoryEntry[] = [];
    for (let i = 0; i < at; i++) if (opened.seqs[i]! > 0) earlier.push(this.entryOf(opened.txs[i]!));
    const added: string[] = [];
    const held: string[] = [];
    for (let i = at; i < at + txs.length; i++) {
      if (opened.seqs[i]! > 0) added.push(opened.txs[i]!.id);
      else if (opened.seqs[i]! < 0) held.push(opened.txs[i]!.id);
    }
    this.pruneNowAndThen();
    const view = this.snapshot(opened.ranges, earlier);
    if (held.length > 0) {
      // As in memory, the scorer's record of a held id adds nothing, even when the other content lies outside the
      // ranges this snapshot holds (the later transactions of the batch must not see this one).
      const keep = new Set(held);
      const add = view.add.bind(view);
      view.add = (tx) => !keep.has(tx.id) && add(tx);
    }
    return { view, added, held };
  }

  async remove(txs: readonly NormalizedTransaction[]): Promise<void> {
    if (txs.length > 0)
      await this.call(
        'the shared feature history',
        REMOVE,
        txs.flatMap((tx) => [tx.id, this.body(tx)]),
      );
  }

  async replace(tx: NormalizedTransaction): Promise<void> {
    const [added] = await this.addMany([tx], { replace: true });
    // Already held with this content: its label and known-at time as given (storage's).
    if (!added) await this.setLabel(tx.id, tx.label === 0 || tx.label === 1 ? tx.label : null, knownAtOf(tx));
  }

  /** Stores one transaction (loading, tests); false when its id is stored already (with any content). */
  async add(tx: NormalizedTransaction): Promise<boolean> {
    return (await this.addMany([tx]))[0]!;
  }

  /**
   * Stores transactions in order without reading anything back (loading a history from storage); true for each one
   * added. `replace`: an id stored with other content is replaced (storage is the truth), else it is kept.
   */
  async addMany(txs: readonly NormalizedTransaction[], options: { replace?: boolean } = {}): Promise<boolean[]> {
    if (txs.length === 0) return [];
    if (!this.layoutChecked) await this.checkLayout();
    const reply = (await this.call('the shared feature history', OPEN, [
      options.replace ? 'replace' : 'keep',
      '0',
      ...txs.flatMap((tx) => this.txArgs(tx)),
    ])) as unknown[];
    return (reply[4] as number[]).map((seq) => Number(seq) > 0);
  }

  /**
   * Sets a stored transaction's label with the epoch ms it became known (default: the clock), as the SDK's stores
   * do: a later call replaces both, null clears both. False if the id is not stored.
   */
  async setLabel(id: string, label: 0 | 1 | null, knownAt: number = this.clock()): Promise<boolean> {
    checkLabel(label, knownAt);
    const value = label === null ? '' : labelValue(label, knownAt);
    return Number(await this.call('the shared feature history', LABEL, [id, value])) === 1;
  }

  /** The stored transaction with this id (with its label), if any. */
  async get(id: string): Promise<HistoryEntry | undefined> {
    try {
      const [stored, label] = await Promise.all([
        this.connection.client.hGet(`${this.base}tx`, id),
        this.connection.client.hGet(`${this.base}label`, id),
      ]);
      return stored == null ? undefined : this.parse(id, String(stored), label == null ? '' : String(label));
    } catch (error) {
      throw unavailable(this.connection, 'the shared feature history', error);
    }
  }

  /** Transactions whose `entity` is `value`, timestamp in (from, to], by time then arrival (the FeatureHistory query). */
  async query(entity: string, value: string, fromExclusive: number, toInclusive: number): Promise<HistoryEntry[]> {
    const { view } = await this.readRanges([[this.key(entity, value), fromExclusive, toInclusive]]);
    const { entries, start, end } = view.select(entity, value, fromExclusive, toInclusive);
    return entries.slice(start, end);
  }

  /** Drops entries with timestamp <= now - retentionMs, in chunks (Redis serves others in between); how many. */
  async prune(now: number = this.clock()): Promise<number> {
    const cutoff = String(now - this.retentionMs);
    let removed = 0;
    for (;;) {
      const n = Number(await this.call('the shared feature history', PRUNE, [cutoff, '1000']));
      removed += n;
      if (n < 1000) return removed;
    }
  }

  /** How many transactions are stored. */
  async size(): Promise<number> {
    return Number(await this.connection.client.hLen(`${this.base}tx`));
  }

  /** Deletes the whole history (tests, fraudscore-ops load-history --replace). */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const reply = await this.connection.client.scan(cursor, { MATCH: `${escapeGlob(this.base)}*`, COUNT: 1000 });
      cursor = String(reply.cursor);
      if (reply.keys.length > 0) await this.connection.client.unlink(reply.keys);
    } while (cursor !== '0');
    this.layoutChecked = false;
  }

  /** Why the history cannot be used right now; undefined when it can. */
  problem(): string | undefined {
    return this.connection.problem();
  }

  private async openOnce(txs: readonly NormalizedTransaction[]): Promise<Opened> {
    // One range per timeline the batch reads: from the earliest look-back start to the latest transaction.
    const ranges = new Map<string, [number, number]>();
    for (const tx of txs) {
      for (const entity of this.entities) {
        const key = this.key(entity, entityValue(tx, entity));
        const from = tx.timestamp - this.lookBack.get(entity)!;
        const range = ranges.get(key);
        if (range === undefined) ranges.set(key, [from, tx.timestamp]);
        else {
          range[0] = Math.min(range[0], from);
          range[1] = Math.max(range[1], tx.timestamp);
        }
      }
    }
    const rangeArgs = [...ranges].flatMap(([key, [from, to]]) => [key, String(from), String(to)]);
    const reply = (await this.call('the shared feature history', OPEN, [
      'keep',
      String(ranges.size),
      ...rangeArgs,
      ...txs.flatMap((tx) => this.txArgs(tx)),
    ])) as [string[][], string[], string[], string[], number[]];
    const [members, ids, bodies, labels, seqs] = reply;
    const byId = new Map<string, HistoryEntry>();
    ids.forEach((id, i) => {
      if (bodies[i]) byId.set(id, this.parse(id, bodies[i]!, labels[i]!));
    });
    const keys = [...ranges.keys()];
    const parsed = new Map<string, HistoryEntry[]>();
    members.forEach((list, r) => {
      const entries: HistoryEntry[] = [];
      for (const m of list) {
        const entry = byId.get(m.slice(15));
        if (entry) entries.push(entry);
      }
      parsed.set(keys[r]!, entries);
    });
    return { ranges: parsed, seqs: seqs.map(Number), txs };
  }

  /** Reads ranges without adding anything (query). */
  private async readRanges(ranges: [string, number, number][]): Promise<{ view: MemoryHistoryStore }> {
    const reply = (await this.call('the shared feature history', OPEN, [
      'keep',
      String(ranges.length),
      ...ranges.flatMap(([key, from, to]) => [key, String(from), String(to)]),
    ])) as [string[][], string[], string[], string[], number[]];
    const [members, ids, bodies, labels] = reply;
    const byId = new Map<string, HistoryEntry>();
    ids.forEach((id, i) => bodies[i] && byId.set(id, this.parse(id, bodies[i]!, labels[i]!)));
    const parsed = new Map<string, HistoryEntry[]>();
    members.forEach((list, r) =>
      parsed.set(
        ranges[r]![0],
        list.flatMap((m) => byId.get(m.slice(15)) ?? []),
      ),
    );
    return { view: this.snapshot(parsed, []) };
  }

  /** A MemoryHistoryStore seeded with the ranges (never pruned: it lives for one batch), then `earlier` in order. */
  private snapshot(ranges: ReadonlyMap<string, HistoryEntry[]>, earlier: readonly HistoryEntry[]): MemoryHistoryStore {
    const view = new MemoryHistoryStore(this.spec, { autoPrune: false });
    for (const [key, entries] of ranges) {
      const [entity, value] = this.unkey(key);
      view.seed(entity, value, [...entries]);
    }
    for (const entry of earlier) view.add(entry as NormalizedTransaction);
    return view;
  }

  /** The script arguments of one transaction: id, timestamp, body, label, its timeline keys. */
  private txArgs(tx: NormalizedTransaction): string[] {
    return [
      tx.id,
      String(tx.timestamp),
      this.body(tx),
      storedLabel(tx),
      ...this.entities.map((e) => this.key(e, entityValue(tx, e))),
    ];
  }

  /** The stored fields as a JSON array in `fields` order (missing: null). */
  private body(tx: NormalizedTransaction): string {
    return JSON.stringify(this.fields.map((f) => tx[f] ?? null));
  }

  private parse(id: string, stored: string, label: string): HistoryEntry {
    const bar = stored.indexOf('|');
    const values = JSON.parse(bar < 0 ? stored : stored.slice(bar + 1)) as unknown[];
    const entry: Record<string, unknown> = { id };
    this.fields.forEach((f, i) => {
      if (values[i] !== null || isCore(f)) entry[f] = values[i];
    });
    // "" no label, else labelValue's "<bit>|<known-at>" (known-at empty: the label was stored without one)
    const [bit, knownAt] = label === '' ? [null, ''] : label.split('|');
    entry.label = bit === null ? null : Number(bit);
    entry.labelKnownAt = knownAt ? Number(knownAt) : null;
    return entry as unknown as HistoryEntry;
  }

  /** The entry a transaction becomes once stored (the callers before this one in a merged call). */
  private entryOf(tx: NormalizedTransaction): HistoryEntry {
    return this.parse(tx.id, this.body(tx), storedLabel(tx));
  }

  private key(entity: string, value: string): string {
    return `${this.base}e:${entity}:${value}`;
  }

  private unkey(key: string): [string, string] {
    const rest = key.slice(this.base.length + 2);
    const colon = rest.indexOf(':');
    return [rest.slice(0, colon), rest.slice(colon + 1)];
  }

  private async call(what: string, s: ReturnType<typeof script>, args: readonly string[]): Promise<unknown> {
    try {
      return await this.connection.run(s, [], [...this.common, ...args]);
    } catch (error) {
      throw unavailable(this.connection, what, error);
    }
  }

  /** Like memory: at most once per margin of clock time, in the background (a failure waits for the next time). */
  private pruneNowAndThen(): void {
    const now = this.clock();
    if (now < this.nextPruneAt || this.pruning) return;
    this.nextPruneAt = now + this.marginMs;
    this.pruning = this.prune(now).finally(() => (this.pruning = undefined));
    this.pruning.catch(() => (this.nextPruneAt = -Infinity));
  }
}

/** A label as the label hash keeps it: the bit, then the epoch ms it became known (empty: not known). */
const labelValue = (label: 0 | 1, knownAt: number | undefined): string => `${label}|${knownAt ?? ''}`;

/** The label hash's value for a transaction's own label ("" when it has none). */
const storedLabel = (tx: NormalizedTransaction): string =>
  tx.label === 0 || tx.label === 1 ? labelValue(tx.label, knownAtOf(tx)) : '';

const isCore = (field: string): boolean => (CORE_FIELDS as readonly string[]).includes(field);
/** Kept apart from the stored fields: the id is the hash field, the label has its own hash (it changes). */
const isApart = (field: string): boolean => field === 'id' || field === 'label';

/** Glob metacharacters in a key prefix matched literally (SCAN MATCH). */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

function entityValue(tx: NormalizedTransaction, entity: string): string {
  const value = tx[entity];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ValidationError(entity, 'is required: the spec aggregates over it (normalize the transaction first)');
}
