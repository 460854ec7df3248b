// The label counts behind false_positive_rate and model_accuracy_daily on Redis (the edge's LabelStatsStore), so
// every replica reports the same numbers whichever one an analyst labelled through. Each transaction counts once:
// its outcome is kept by id, and a label given again (a retry, or an analyst's correction) replaces its earlier
// contribution instead of adding a second one. Outcomes are kept as long as the feature history keeps the
// transaction (the history's retention drops them with it); the totals are cumulative.
//
// Keys (under the feature history's hash tag, so its retention can drop an outcome with its transaction):
//   <p>{h}:ls:out        hash  id → "<blocked 0/1>,<blocked and legitimate 0/1>,<UTC day>,<correct 0/1>"
//   <p>{h}:ls:total      hash  blockedLabelled, blockedLegitimate
//   <p>{h}:ls:day:<day>  hash  labelled, correct (per UTC day of the label)
//   <p>{h}:ls:last       string the latest UTC day that has labels
import { labelCounts, utcDay, type LabelOutcome, type LabelStats, type LabelStatsStore } from '@fraudscore/edge';
import { RedisConnection, script, unavailable } from './connection.js';

// KEYS: none (one hash tag); ARGV[1] = prefix "<p>{h}:", ARGV[2] = id, ARGV[3] = the outcome "b,l,day,c".
const RECORD = script(`
local p, id, outcome = ARGV[1], ARGV[2], ARGV[3]
local function parts(text)
  local b, l, day, c = string.match(text, '^(%d),(%d),([^,]+),(%d)$')
  return tonumber(b), tonumber(l), day, tonumber(c)
end
-- Parsed before anything is written (a script that fails half-way keeps its writes).
local b, l, day, c = parts(outcome)
if not c then return redis.error_reply('label outcome not understood: ' .. outcome) end
local old = redis.call('HGET', p .. 'ls:out', id)
if old == outcome then return 0 end
local ob, ol, oday, oc = nil, nil, nil, nil
if old then ob, ol, oday, oc = parts(old) end
if oc then
  -- 0 - x, not -x: Lua's -0 would reach Redis as "-0", which HINCRBY refuses
  redis.call('HINCRBY', p .. 'ls:total', 'blockedLabelled', 0 - ob)
  redis.call('HINCRBY', p .. 'ls:total', 'blockedLegitimate', 0 - ol)
  redis.call('HINCRBY', p .. 'ls:day:' .. oday, 'labelled', -1)
  redis.call('HINCRBY', p .. 'ls:day:' .. oday, 'correct', 0 - oc)
end
redis.call('HINCRBY', p .. 'ls:total', 'blockedLabelled', b)
redis.call('HINCRBY', p .. 'ls:total', 'blockedLegitimate', l)
redis.call('HINCRBY', p .. 'ls:day:' .. day, 'labelled', 1)
redis.call('HINCRBY', p .. 'ls:day:' .. day, 'correct', c)
redis.call('HSET', p .. 'ls:out', id, outcome)
local last = redis.call('GET', p .. 'ls:last')
if not last or day > last then redis.call('SET', p .. 'ls:last', day) end
return 1
`);

// ARGV[1] = prefix. Returns { blockedLabelled, blockedLegitimate, last day or "", labelled, correct }.
const READ = script(`
local p = ARGV[1]
local total = redis.call('HMGET', p .. 'ls:total', 'blockedLabelled', 'blockedLegitimate')
local last = redis.call('GET', p .. 'ls:last')
local today = { false, false }
if last then today = redis.call('HMGET', p .. 'ls:day:' .. last, 'labelled', 'correct') end
return { total[1] or '0', total[2] or '0', last or '', today[1] or '0', today[2] or '0' }
`);

export class RedisLabelStats implements LabelStatsStore {
  private readonly base: string;

  constructor(
    private readonly connection: RedisConnection,
    options: { prefix?: string } = {},
  ) {
    this.base = `${options.prefix ?? 'fraudscore:'}{h}:`;
  }

  async record(outcome: LabelOutcome, at: number): Promise<void> {
    if (outcome.id === undefined) throw new Error('a shared label count needs the transaction id');
    const { blocked, blockedLegitimate, correct } = labelCounts(outcome);
    const text = `${blocked},${blockedLegitimate},${utcDay(at)},${correct}`;
    try {
      await this.connection.run(RECORD, [], [this.base, outcome.id, text]);
    } catch (error) {
      throw unavailable(this.connection, 'the shared label counts', error);
    }
  }

  async read(): Promise<LabelStats> {
    let reply: string[];
    try {
      reply = ((await this.connection.run(READ, [], [this.base])) as unknown[]).map(String);
    } catch (error) {
      throw unavailable(this.connection, 'the shared label counts', error);
    }
    const [blockedLabelled, blockedLegitimate, day, labelled, correct] = reply;
    return {
      blockedLabelled: Number(blockedLabelled),
      blockedLegitimate: Number(blockedLegitimate),
      day: day === '' ? null : day!,
      labelledToday: Number(labelled),
      correctToday: Number(correct),
    };
  }
}
