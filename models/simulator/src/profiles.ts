// Customer and terminal profiles on the handbook's 100 x 100 grid, and the terminals each
// customer may use (those strictly within `radius` of the customer).

import { deterministicExp } from './math.js';
import type { CustomerProfileOptions } from './options.js';
import type { Random } from './random.js';

/** Side of the square on which customers and terminals are placed. */
export const GRID_SIZE = 100;

export interface CustomerProfiles {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly meanAmount: Float64Array;
  readonly stdAmount: Float64Array;
  readonly meanTxPerDay: Float64Array;
  /** e^-meanTxPerDay, cached for Poisson sampling. */
  readonly expMinusMeanTxPerDay: Float64Array;
}

export interface TerminalProfiles {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export function generateCustomerProfiles(
  count: number,
  options: CustomerProfileOptions,
  random: Random,
): CustomerProfiles {
  const profiles = {
    count,
    x: new Float64Array(count),
    y: new Float64Array(count),
    meanAmount: new Float64Array(count),
    stdAmount: new Float64Array(count),
    meanTxPerDay: new Float64Array(count),
    expMinusMeanTxPerDay: new Float64Array(count),
  };
  for (let customer = 0; customer < count; customer += 1) {
    profiles.x[customer] = random.uniform(0, GRID_SIZE);
    profiles.y[customer] = random.uniform(0, GRID_SIZE);
    const meanAmount = random.uniform(options.meanAmountMin, options.meanAmountMax);
    profiles.meanAmount[customer] = meanAmount;
    profiles.stdAmount[customer] = meanAmount * options.stdAmountRatio;
    const meanTxPerDay = random.uniform(options.meanTxPerDayMin, options.meanTxPerDayMax);
    profiles.meanTxPerDay[customer] = meanTxPerDay;
    profiles.expMinusMeanTxPerDay[customer] = deterministicExp(-meanTxPerDay);
  }
  return profiles;
}

export function generateTerminalProfiles(count: number, random: Random): TerminalProfiles {
  const profiles = { count, x: new Float64Array(count), y: new Float64Array(count) };
  for (let terminal = 0; terminal < count; terminal += 1) {
    profiles.x[terminal] = random.uniform(0, GRID_SIZE);
    profiles.y[terminal] = random.uniform(0, GRID_SIZE);
  }
  return profiles;
}

/**
 * For each customer, the ascending ids of the terminals at distance < radius.
 * Terminals are bucketed in a grid whose cells are at least `radius` wide, so only the
 * 3 x 3 cells around a customer need checking (instead of every terminal).
 */
export function terminalsWithinRadius(
  customers: CustomerProfiles,
  terminals: TerminalProfiles,
  radius: number,
): Int32Array[] {
  // Cells at least `radius` wide; at most 1024 per side so tiny radii stay cheap in memory.
  const cellsPerSide = Math.min(1024, Math.max(1, Math.floor(GRID_SIZE / radius)));
  const cellSize = GRID_SIZE / cellsPerSide;
  const cellOf = (coordinate: number): number => Math.min(cellsPerSide - 1, Math.floor(coordinate / cellSize));

  // Compressed buckets: terminals of cell c are cellTerminals[cellStart[c] .. cellStart[c + 1]).
  const cellStart = new Int32Array(cellsPerSide * cellsPerSide + 1);
  const terminalCell = new Int32Array(terminals.count);
  for (let terminal = 0; terminal < terminals.count; terminal += 1) {
    const cell = cellOf(terminals.y[terminal] as number) * cellsPerSide + cellOf(terminals.x[terminal] as number);
    terminalCell[terminal] = cell;
    cellStart[cell + 1] = (cellStart[cell + 1] as number) + 1;
  }
  for (let cell = 0; cell < cellsPerSide * cellsPerSide; cell += 1) {
    cellStart[cell + 1] = (cellStart[cell + 1] as number) + (cellStart[cell] as number);
  }
  const cellTerminals = new Int32Array(terminals.count);
  const fillPosition = cellStart.slice(0, -1);
  for (let terminal = 0; terminal < terminals.count; terminal += 1) {
    const cell = terminalCell[terminal] as number;
    cellTerminals[fillPosition[cell] as number] = terminal;
    fillPosition[cell] = (fillPosition[cell] as number) + 1;
  }

  const radiusSquared = radius * radius;
  const result: Int32Array[] = [];
  const found: number[] = [];
  for (let customer = 0; customer < customers.count; customer += 1) {
    const x = customers.x[customer] as number;
    const y = customers.y[customer] as number;
    const column = cellOf(x);
    const row = cellOf(y);
    found.length = 0;
    for (let r = Math.max(0, row - 1); r <= Math.min(cellsPerSide - 1, row + 1); r += 1) {
      for (let c = Math.max(0, column - 1); c <= Math.min(cellsPerSide - 1, column + 1); c += 1) {
        const cell = r * cellsPerSide + c;
        for (let i = cellStart[cell] as number; i < (cellStart[cell + 1] as number); i += 1) {
          const terminal = cellTerminals[i] as number;
          const dx = (terminals.x[terminal] as number) - x;
          const dy = (terminals.y[terminal] as number) - y;
          if (dx * dx + dy * dy < radiusSquared) found.push(terminal);
        }
      }
    }
    // Ascending ids make "the k-th available terminal" independent of the bucketing.
    result.push(Int32Array.from(found).sort());
  }
  return result;
}
