import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_OPTIONS } from './options.js';
import { generateCustomerProfiles, generateTerminalProfiles, terminalsWithinRadius } from './profiles.js';
import { Random } from './random.js';

describe('profiles', () => {
  const customers = generateCustomerProfiles(2000, DEFAULT_PROFILE_OPTIONS, new Random(1, 1));
  const terminals = generateTerminalProfiles(3000, new Random(1, 2));

  it('draws customer parameters from the handbook ranges', () => {
    for (let customer = 0; customer < customers.count; customer += 1) {
      const mean = customers.meanAmount[customer] as number;
      expect(mean >= 5 && mean < 100).toBe(true);
      expect(customers.stdAmount[customer]).toBe(mean / 2);
      const rate = customers.meanTxPerDay[customer] as number;
      expect(rate >= 0 && rate < 4).toBe(true);
      expect(Math.abs((customers.expMinusMeanTxPerDay[customer] as number) - Math.exp(-rate))).toBeLessThan(1e-15);
    }
    expect([...customers.x, ...customers.y, ...terminals.x, ...terminals.y].every((v) => v >= 0 && v < 100)).toBe(true);
  });

  it.each([5, 0.3, 37, 150])('finds exactly the terminals within radius %d (grid vs brute force)', (radius) => {
    const found = terminalsWithinRadius(customers, terminals, radius);
    for (let customer = 0; customer < customers.count; customer += 25) {
      const expected: number[] = [];
      for (let terminal = 0; terminal < terminals.count; terminal += 1) {
        const dx = (terminals.x[terminal] as number) - (customers.x[customer] as number);
        const dy = (terminals.y[terminal] as number) - (customers.y[customer] as number);
        if (dx * dx + dy * dy < radius * radius) expected.push(terminal);
      }
      expect([...(found[customer] as Int32Array)]).toEqual(expected);
    }
  });
});
