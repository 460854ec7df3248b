// Deterministic replacements for Math.log / Math.exp.
//
// ECMAScript only requires Math.log and Math.exp to be "implementation-approximated", so
// their last bit may differ between engines, versions or CPU builds. These versions use
// nothing but +, -, *, / (which IEEE 754 rounds exactly the same everywhere), so every
// machine computes bit-identical results and seeded simulations stay byte-identical.

const LN2 = 0.6931471805599453;
const SQRT2 = 1.4142135623730951;
const SQRT1_2 = 0.7071067811865476;
// ln(2) split in two (Cody-Waite): LN2_HIGH has trailing zero bits, so k * LN2_HIGH is exact.
const LN2_HIGH = 6.9314718036912381649e-1;
const LN2_LOW = 1.90821492927058770002e-10;

// 2 / (2k + 1) for the atanh series ln(m) = 2 * atanh(z) = 2 * sum z^(2k+1) / (2k+1).
// With |z| <= 0.1716 (m in [sqrt(1/2), sqrt(2))), 14 terms reach double precision.
const LOG_SERIES = Array.from({ length: 14 }, (_, k) => 2 / (2 * k + 1));

// 1 / k! for k = 0..19: exp(r) for |r| <= ln(2)/2 converges to double precision.
const EXP_SERIES: number[] = [];
for (let k = 0, factorial = 1; k < 20; k += 1) {
  if (k > 0) factorial *= k;
  EXP_SERIES.push(1 / factorial);
}

/** Natural logarithm of a positive finite number, bit-identical on every platform. */
export function deterministicLog(x: number): number {
  if (!(x > 0) || x === Infinity) {
    throw new RangeError(`deterministicLog: expected a positive finite number, got ${x}`);
  }
  // Scale x = m * 2^exponent with m in [sqrt(1/2), sqrt(2)); scaling by 2 is exact.
  let mantissa = x;
  let exponent = 0;
  while (mantissa >= SQRT2) {
    mantissa /= 2;
    exponent += 1;
  }
  while (mantissa < SQRT1_2) {
    mantissa *= 2;
    exponent -= 1;
  }
  const z = (mantissa - 1) / (mantissa + 1);
  const z2 = z * z;
  let series = 0;
  for (let k = LOG_SERIES.length - 1; k >= 0; k -= 1) {
    series = series * z2 + (LOG_SERIES[k] as number);
  }
  return z * series + exponent * LN2;
}

/** e^x for finite x, bit-identical on every platform (underflows to 0, overflows to Infinity). */
export function deterministicExp(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('deterministicExp: got NaN');
  if (x > 709.8) return Infinity;
  if (x < -745.2) return 0;
  // e^x = 2^k * e^r with |r| <= ln(2)/2.
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HIGH - k * LN2_LOW;
  let result = 0;
  for (let i = EXP_SERIES.length - 1; i >= 0; i -= 1) {
    result = result * r + (EXP_SERIES[i] as number);
  }
  // Apply 2^k in two halves so neither factor overflows or underflows on its own.
  const half = Math.trunc(k / 2);
  return result * powerOfTwo(half) * powerOfTwo(k - half);
}

/** 2^n for an integer n in [-600, 600], built by repeated exact doubling/halving. */
function powerOfTwo(n: number): number {
  let value = 1;
  if (n >= 0) for (let i = 0; i < n; i += 1) value *= 2;
  else for (let i = 0; i > n; i -= 1) value /= 2;
  return value;
}
