/**
 * lib/stats against hand computations and reference values from scipy 1.10.1 / numpy 1.24.2 /
 * statsmodels 0.13.5 (and mpmath 1.2.1 where scipy itself is inexact), pasted as literals with
 * the Python that made them, so the test needs no Python.
 */
import { assert, assertAlmostEquals, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import {
  holm,
  mean,
  noncentralTCdf,
  normalQuantile,
  pairedMde,
  pairedTTest,
  sampleStd,
  studentTCdf,
  studentTQuantile,
  tInterval,
} from "../lib/stats/mod.ts";

/** |actual / expected - 1| <= rel (exact equality for expected 0 and infinities). */
function assertRel(actual: number, expected: number, rel: number, what = ""): void {
  if (expected === 0 || !Number.isFinite(expected)) {
    assertEquals(actual, expected, what);
    return;
  }
  assert(
    Math.abs(actual / expected - 1) <= rel,
    `${what}: ${actual} differs from ${expected} by ${Math.abs(actual / expected - 1)} > ${rel}`,
  );
}

Deno.test("mean() and sampleStd() match numpy, with exact zero spread for equal values", () => {
  assertEquals(mean([1, 2, 3, 4]), 2.5);
  assertEquals(sampleStd([1, 2, 3, 4]), Math.sqrt(5 / 3)); // np.std([1, 2, 3, 4], ddof=1)
  // np.std([1e9 + 1, 1e9 + 2, 1e9 + 3], ddof=1) = 1.0: no cancellation from the large mean.
  assertEquals(sampleStd([1e9 + 1, 1e9 + 2, 1e9 + 3]), 1);
  assertEquals(mean([0.1, 0.1, 0.1]), 0.1);
  assertEquals(sampleStd([0.1, 0.1, 0.1]), 0);
  assertEquals(sampleStd([7]), 0);
  assert(Number.isNaN(mean([])) && Number.isNaN(sampleStd([])));
  assert(Number.isNaN(mean([1, NaN])) && Number.isNaN(sampleStd([1, NaN])));
  assertEquals(mean([1, Infinity]), Infinity);
  assert(Number.isNaN(sampleStd([1, Infinity])) && Number.isNaN(sampleStd([Infinity])));
});

Deno.test("tInterval() matches a hand computation and scipy.stats.t.interval", () => {
  // By hand: mean (1+2+3+4)/4 = 2.5; squared deviations 2.25+0.25+0.25+2.25 = 5, std sqrt(5/3)
  // = 1.2909944487358056; se = std / sqrt(4) = 0.6454972243679028; t_{0.975, 3} =
  // 3.182446305283710 (table value 3.182; to 16 digits by mpmath, scipy's t.ppf says
  // ...284263); half-width 3.18244630528371 * 0.6454972243679028 = 2.054260256760522.
  const s = tInterval([1, 2, 3, 4]);
  assertEquals([s.n, s.mean, s.std], [4, 2.5, Math.sqrt(5 / 3)]);
  assert(s.ci !== null);
  assertEquals(s.ci.level, 0.95);
  assertAlmostEquals(s.ci.lo, 2.5 - 2.054260256760522, 1e-14);
  assertAlmostEquals(s.ci.hi, 2.5 + 2.054260256760522, 1e-14);
  // x = [3.1, 2.7, 3.4, 2.9, 3.6]
  // stats.t.interval(0.9, 4, loc=np.mean(x), scale=stats.sem(x))
  //   -> (2.792306312113812, 3.4876936878861877)
  // scipy 1.10.1's t.ppf(0.95, 4) = 2.13184678133629 is 2.3e-9 low (mpmath, 40 digits:
  // 2.131846786326650), so to 1e-12 the interval is mpmath's: m -+ t s / sqrt(5) with exact m, s
  //   -> (2.7923063112999092, 3.4876936887000909)
  const s90 = tInterval([3.1, 2.7, 3.4, 2.9, 3.6], 0.9);
  assertAlmostEquals(s90.mean, 3.14, 1e-15);
  assertAlmostEquals(s90.std, 0.36469165057620934, 1e-15);
  assertAlmostEquals(s90.ci!.lo, 2.7923063112999092, 1e-12);
  assertAlmostEquals(s90.ci!.hi, 3.4876936887000909, 1e-12);
  assertAlmostEquals(s90.ci!.lo, 2.792306312113812, 1e-9);
  assertAlmostEquals(s90.ci!.hi, 3.4876936878861877, 1e-9);
  assertEquals(s90.ci!.level, 0.9);
});

Deno.test("tInterval() gives null for n < 2, a point for no spread, and rejects bad input", () => {
  assertEquals(tInterval([5]), { n: 1, mean: 5, std: 0, ci: null });
  const empty = tInterval([]);
  assert(empty.n === 0 && Number.isNaN(empty.mean) && Number.isNaN(empty.std));
  assertEquals(empty.ci, null);
  assertEquals(tInterval([2, 2, 2]).ci, { lo: 2, hi: 2, level: 0.95 });
  assertMatch(
    assertThrows(() => tInterval([1, NaN, 3]), RangeError).message,
    /t-interval: xs\[1\] is NaN, expected finite numbers/,
  );
  assertMatch(assertThrows(() => tInterval([1, -Infinity]), RangeError).message, /-Infinity/);
  for (const level of [0, 1, 95, NaN]) {
    assertMatch(
      assertThrows(() => tInterval([1, 2], level), RangeError).message,
      /expected 0 < level < 1/,
    );
  }
});

// [df, stats.t.cdf(t, df) for t in TS] by
//   for df in [1, 2, 4, 30, 1e6, 0.5, 2.5]: [float(stats.t.cdf(t, df)) for t in TS]
// (scipy agrees with mpmath's betainc at 50 digits to 4e-15 relative at every point here.)
const TS = [-40.0, -6.0, -2.0, -0.3, 0.7, 2.0, 9.0];
const T_CDF: [number, number[]][] = [
  [1, [
    0.007956089912025812,
    0.052568456711253424,
    0.1475836176504332,
    0.4072264209222577,
    0.6944001122142147,
    0.8524163823495667,
    0.9647767125227228,
  ]],
  [2, [
    0.0003122073360923703,
    0.013335736607712385,
    0.09175170953613696,
    0.3962428304200888,
    0.7218034876835673,
    0.908248290463863,
    0.9939391699536065,
  ]],
  [4, [
    1.1670081613006347e-06,
    0.001941268523480256,
    0.05805826175840775,
    0.38956071413872984,
    0.738749917203275,
    0.9419417382415922,
    0.9995780837411994,
  ]],
  [30, [
    6.863022597203181e-28,
    6.971384383602359e-07,
    0.02731252248149155,
    0.3831230526421764,
    0.7553397782501642,
    0.9726874775185085,
    0.9999999997492585,
  ]],
  [1e6, [
    0.0,
    9.869249061772215e-10,
    0.0227502669256596,
    0.3820886089894972,
    0.758036266356729,
    0.9772497330743404,
    1.0,
  ]],
  [0.5, [
    0.05070489996474719,
    0.13065468873499944,
    0.22275744509156561,
    0.4224295760652454,
    0.6572996687396166,
    0.7772425549084344,
    0.8931983607896133,
  ]],
  [2.5, [
    7.097817145246693e-05,
    0.007640864942761447,
    0.078695747878983,
    0.39367118574759863,
    0.7282975284052259,
    0.9213042521210171,
    0.997126046908196,
  ]],
];

Deno.test("studentTCdf() matches scipy.stats.t.cdf, tails included", () => {
  for (const [df, row] of T_CDF) {
    row.forEach((expected, i) => {
      // Relative precision in the lower tail (down to 7e-28), absolute in the upper.
      if (TS[i] < 0) assertRel(studentTCdf(TS[i], df), expected, 1e-13, `cdf(${TS[i]}, ${df})`);
      else assertAlmostEquals(studentTCdf(TS[i], df), expected, 1e-14);
    });
  }
  // Closed forms, written for t < 0 without cancellation: Cauchy (df = 1)
  // 1/2 + atan(t)/pi = -atan(1/t)/pi; df = 2: 1/2 + t / (2 sqrt(2 + t^2)) = 1 / (r (r - t)),
  // r = sqrt(2 + t^2).
  for (const t of [-1e6, -3, -0.5, -1e-3]) {
    assertRel(studentTCdf(t, 1), -Math.atan(1 / t) / Math.PI, 1e-13, `cauchy ${t}`);
    const r = Math.sqrt(2 + t * t);
    assertRel(studentTCdf(t, 2), 1 / (r * (r - t)), 1e-13, `df 2, ${t}`);
  }
  // Past df = 1e4 the cdf switches method (Hill's expansion); both sides agree with scipy.
  // [float(stats.t.sf(2, df)) for df in [9999, 10001]]
  assertRel(studentTCdf(-2, 9999), 0.02276363168075507, 1e-12, "df 9999");
  assertRel(studentTCdf(-2, 10001), 0.022763628980950378, 1e-12, "df 10001");
});

Deno.test("studentTCdf() handles zero, infinities and invalid arguments as scipy", () => {
  assertEquals(studentTCdf(0, 3), 0.5);
  assertEquals(studentTCdf(Infinity, 3), 1);
  assertEquals(studentTCdf(-Infinity, 3), 0);
  assertEquals(studentTCdf(-Infinity, 0.1), 0);
  // df = Infinity is the normal distribution: norm.cdf(-1.5) = 0.06680720126885807.
  assertRel(studentTCdf(-1.5, Infinity), 0.06680720126885807, 1e-14, "normal");
  for (const [t, df] of [[NaN, 3], [1, NaN], [1, 0], [1, -2]]) {
    assert(Number.isNaN(studentTCdf(t, df)), `cdf(${t}, ${df}) should be NaN`);
  }
});

// Quantiles at PS. scipy 1.10.1's t.ppf (Boost's inverse) is itself only good to ~2e-9 relative
// at some of these points, so the tight reference is mpmath: the root of
// mp.betainc(df/2, 1/2, 0, df/(df+t^2), regularized=True)/2 = min(p, 1-p) at mp.dps = 50.
//   [float(tppf(p, df)) for p in PS]   (tppf in the comment of T_PPF_SCIPY's test)
const PS = [1e-12, 1e-6, 0.025, 0.3, 0.9, 0.975, 1 - 1e-9];
const T_PPF_MPMATH: [number, number[]][] = [
  [1, [
    -318309886183.79065,
    -318309.8861827435,
    -12.706204736174705,
    -0.7265425280053609,
    3.077683537175254,
    12.706204736174694,
    318309895.1862093,
  ]],
  [2, [
    -707106.7811854868,
    -707.1057205259339,
    -4.302652729749464,
    -0.6172133998483676,
    1.885618083164127,
    4.302652729749462,
    22360.68005765849,
  ]],
  [4, [
    -1316.0727465592565,
    -41.577854150450975,
    -2.7764451051977943,
    -0.5686490630497055,
    1.533206274058944,
    2.7764451051977934,
    234.02761206090787,
  ]],
  [30, [
    -11.397217523311411,
    -5.871117120418883,
    -2.042272456301238,
    -0.5300190039065045,
    1.3104150253913958,
    2.0422724563012378,
    8.445862807441596,
  ]],
  [1e6, [
    -7.034572608411256,
    -4.753452348279681,
    -1.959966356814107,
    -0.5244006798602089,
    1.2815524121299386,
    1.9599663568141066,
    5.9978624603049715,
  ]],
  [0.5, [
    -1.02849115631634e+23,
    -102849115631.63402,
    -164.55767348048852,
    -1.0095258786071661,
    10.27032441023451,
    164.55767348048823,
    1.0284912144917752e+17,
  ]],
  [2.5, [
    -55306.17407651582,
    -220.17342917823686,
    -3.574654842003683,
    -0.5973077382523175,
    1.7302509288071768,
    3.5746548420036817,
    3489.5834348468525,
  ]],
];
// [float(stats.t.ppf(p, df)) for p in PS], same df order.
const T_PPF_SCIPY: number[][] = [
  [
    -318309886183.7905,
    -318309.88618278794,
    -12.706204736432102,
    -0.7265425280172028,
    3.0776835372078066,
    12.706204736432095,
    318309895.18620926,
  ],
  [
    -707106.7811854868,
    -707.1057205259351,
    -4.3026527299112765,
    -0.6172133998483679,
    1.8856180831641507,
    4.302652729911275,
    22360.6800576085,
  ],
  [
    -1316.0727465663726,
    -41.577854150453575,
    -2.7764451051977996,
    -0.5686490630385523,
    1.533206273713144,
    2.7764451051977987,
    234.02761205259458,
  ],
  [
    -11.397217523312252,
    -5.871117120418899,
    -2.042272456301238,
    -0.5300190028613372,
    1.3104150225671307,
    2.0422724563012373,
    8.445862807822854,
  ],
  [
    -7.034572608411257,
    -4.753452348279681,
    -1.959966356814107,
    -0.5244006798602089,
    1.2815524121299386,
    1.9599663568141066,
    5.9978624603049715,
  ],
  [
    -1.0284911575654063e+23,
    -102849115631.63437,
    -164.55767352096126,
    -1.0095258786071655,
    10.270324410234544,
    164.55767352096103,
    1.0284912144969258e+17,
  ],
  [
    -55306.17407558281,
    -220.17342917823692,
    -3.574654842011878,
    -0.5973077372806072,
    1.730250928807177,
    3.5746548420118773,
    3489.583434832395,
  ],
];

Deno.test("studentTQuantile() matches scipy.stats.t.ppf and mpmath, tails included", () => {
  T_PPF_MPMATH.forEach(([df, row], k) => {
    row.forEach((expected, i) => {
      const t = studentTQuantile(PS[i], df);
      assertRel(t, expected, 1e-13, `ppf(${PS[i]}, ${df}) vs mpmath`);
      assertRel(t, T_PPF_SCIPY[k][i], 3e-9, `ppf(${PS[i]}, ${df}) vs scipy`);
    });
  });
  // Closed forms: df = 1, t = tan(pi (p - 1/2)) = -1 / tan(pi p) (the latter keeps small p's
  // digits); df = 2, t = (2p - 1) / sqrt(2 p (1 - p)).
  for (const p of [1e-9, 0.01, 0.2, 0.6, 0.999]) {
    assertRel(studentTQuantile(p, 1), -1 / Math.tan(Math.PI * p), 1e-13, `df 1, ${p}`);
    assertRel(
      studentTQuantile(p, 2),
      (2 * p - 1) / Math.sqrt(2 * p * (1 - p)),
      1e-13,
      `df 2, ${p}`,
    );
  }
});

Deno.test("studentTQuantile() inverts studentTCdf() and handles the ends", () => {
  for (const df of [0.3, 1, 3.5, 12, 500, 2e4, 1e9]) {
    for (const p of [1e-80, 1e-8, 0.01, 0.4, 0.5000001, 0.8, 1 - 1e-12]) {
      const t = studentTQuantile(p, df);
      const back = studentTCdf(t, df);
      // Compare the smaller tail relatively: 1 - p is what p near 1 carries.
      if (p < 0.5) assertRel(back, p, 1e-11, `cdf(ppf(${p}, ${df}))`);
      else assertRel(1 - back, 1 - p, 1e-4, `1 - cdf(ppf(${p}, ${df}))`);
    }
  }
  assertEquals(studentTQuantile(0.5, 7), 0);
  assertEquals(studentTQuantile(0, 7), -Infinity);
  assertEquals(studentTQuantile(1, 7), Infinity);
  // The quantile may exceed the largest double: P(T < -1.8e308) > 1e-300 for df = 0.05.
  assertEquals(studentTQuantile(1e-300, 0.05), -Infinity);
  // df = Infinity is the normal quantile.
  assertEquals(studentTQuantile(0.975, Infinity), normalQuantile(0.975));
  for (const [p, df] of [[-0.1, 3], [1.5, 3], [NaN, 3], [0.3, 0], [0.3, NaN]]) {
    assert(Number.isNaN(studentTQuantile(p, df)), `ppf(${p}, ${df}) should be NaN`);
  }
});

Deno.test("normalQuantile() matches scipy.special.ndtri", () => {
  // [float(special.ndtri(p)) for p in NP]
  const NP = [1e-300, 1e-20, 1e-5, 0.02, 0.3, 0.5, 0.7, 0.975, 1 - 1e-12];
  const ndtri = [
    -37.0470962993612,
    -9.262340089798409,
    -4.264890793922825,
    -2.053748910631823,
    -0.5244005127080409,
    0.0,
    0.5244005127080407,
    1.959963984540054,
    7.0344869100478356,
  ];
  NP.forEach((p, i) =>
    assertAlmostEquals(normalQuantile(p), ndtri[i], 4e-15 * (1 + Math.abs(ndtri[i])))
  );
  assertEquals([normalQuantile(0), normalQuantile(1)], [-Infinity, Infinity]);
  assert([-1e-9, 1 + 1e-9, NaN].every((p) => Number.isNaN(normalQuantile(p))));
});

// r = stats.ttest_rel(a, b); ci = r.confidence_interval(level)
// print(r.statistic, r.pvalue, r.df, ci.low, ci.high); d = np.subtract(a, b);
// print(d.mean(), d.std(ddof=1))
const TTEST_REL: {
  a: number[];
  b: number[];
  t: number;
  p: number;
  df: number;
  meanDiff: number;
  sdDiff: number;
  ci95: [number, number];
  ci90: [number, number];
}[] = [
  {
    a: [1, 2, 3, 4],
    b: [1.5, 1.5, 2, 3],
    t: 1.414213562373095,
    p: 0.2522154963555042,
    df: 3,
    meanDiff: 0.5,
    sdDiff: 0.7071067811865476,
    ci95: [-0.625164681614288, 1.625164681614288],
    ci90: [-0.33203962167241896, 1.3320396216724184],
  },
  {
    a: [41.2, 39.8, 43.1, 40.5],
    b: [44.0, 41.9, 45.3, 42.2],
    t: -9.678709591409365,
    p: 0.0023419380645072975,
    df: 3,
    meanDiff: -2.1999999999999993,
    sdDiff: 0.4546060565661928,
    ci95: [-2.923379682539464, -1.4766203174605348],
    ci90: [-2.734926635381164, -1.6650733646188347],
  },
  {
    a: [0.31, 0.29],
    b: [0.30, 0.25],
    t: 1.6666666666666679,
    p: 0.34404173924526105,
    df: 1,
    meanDiff: 0.024999999999999994,
    sdDiff: 0.021213203435596406,
    ci95: [-0.16559307104648124, 0.21559307104648123],
    ci90: [-0.069706272722014, 0.1197062727220139],
  },
  {
    a: [25.3, 27.1, 24.8, 26.0, 25.5, 26.7, 24.9, 25.8, 26.2, 25.1],
    b: [25.0, 27.4, 24.1, 25.2, 25.9, 26.0, 24.3, 25.0, 26.1, 24.4],
    t: 2.7824333745610152,
    p: 0.02131581673283821,
    df: 9,
    meanDiff: 0.40000000000000036,
    sdDiff: 0.4546060565661947,
    ci95: [0.0747944179475073, 0.7252055820524934],
    ci90: [0.13647341217033188, 0.6635265878296688],
  },
  {
    // A very small p: computed from the lower tail, it keeps its relative precision.
    a: [15.01, 14.98, 15.03, 15.0, 14.99, 15.02],
    b: [10.0, 10.01, 9.99, 10.0, 10.02, 9.98],
    t: 389.63872155285054,
    p: 2.1133073534027647e-12,
    df: 5,
    meanDiff: 5.005,
    sdDiff: 0.031464265445103876,
    ci95: [4.971980278446192, 5.038019721553808],
    ci90: [4.9791162349958045, 5.030883765004195],
  },
];

Deno.test("pairedTTest() matches scipy.stats.ttest_rel", () => {
  for (const c of TTEST_REL) {
    const r = pairedTTest(c.a, c.b);
    assertEquals([r.n, r.df], [c.a.length, c.df]);
    assertRel(r.meanDiff, c.meanDiff, 1e-13, "meanDiff");
    assertRel(r.sdDiff, c.sdDiff, 1e-12, "sdDiff");
    assertRel(r.t, c.t, 1e-12, "t");
    assertRel(r.p, c.p, 1e-12, "p");
    // scipy's interval carries its t.ppf error (up to 4e-11 relative at df = 1, see above).
    assertEquals(r.ci!.level, 0.95);
    assertAlmostEquals(r.ci!.lo, c.ci95[0], 1e-11 * (1 + Math.abs(c.ci95[0])));
    assertAlmostEquals(r.ci!.hi, c.ci95[1], 1e-11 * (1 + Math.abs(c.ci95[1])));
    const r90 = pairedTTest(c.a, c.b, 0.9);
    assertEquals([r90.ci!.level, r90.p], [0.9, r.p]);
    assertAlmostEquals(r90.ci!.lo, c.ci90[0], 1e-11 * (1 + Math.abs(c.ci90[0])));
    assertAlmostEquals(r90.ci!.hi, c.ci90[1], 1e-11 * (1 + Math.abs(c.ci90[1])));
  }
  // Swapping the arms flips the sign of t and the interval, not p.
  const [c] = TTEST_REL, r = pairedTTest(c.b, c.a);
  assertEquals([r.t, r.p], [-pairedTTest(c.a, c.b).t, pairedTTest(c.a, c.b).p]);
});

Deno.test("pairedTTest() edge cases: n = 1, zero spread, mismatched lengths, non-finite", () => {
  // n = 1: no spread, no test.
  const one = pairedTTest([3], [1]);
  assertEquals([one.n, one.meanDiff, one.sdDiff, one.ci, one.df], [1, 2, 0, null, 0]);
  assert(Number.isNaN(one.t) && Number.isNaN(one.p));
  const none = pairedTTest([], []);
  assert(none.n === 0 && none.ci === null && Number.isNaN(none.p));
  // Zero spread (scipy returns nan, nan): the limit as the spread -> 0.
  const same = pairedTTest([1, 2, 3], [1, 2, 3]);
  assertEquals([same.meanDiff, same.sdDiff, same.t, same.p], [0, 0, 0, 1]);
  assertEquals(same.ci, { lo: 0, hi: 0, level: 0.95 });
  const shifted = pairedTTest([1, 2, 3], [3, 4, 5]);
  assertEquals([shifted.meanDiff, shifted.sdDiff, shifted.t, shifted.p], [-2, 0, -Infinity, 0]);
  assertEquals(shifted.ci, { lo: -2, hi: -2, level: 0.95 });
  assertEquals(pairedTTest([4, 5], [1, 2]).t, Infinity);
  // Errors name the problem and the value.
  assertMatch(
    assertThrows(() => pairedTTest([1, 2, 3], [1, 2]), RangeError).message,
    /a has 3 values and b 2/,
  );
  assertMatch(
    assertThrows(() => pairedTTest([1, 2], [1, NaN]), RangeError).message,
    /b\[1\] is NaN, expected finite numbers/,
  );
  assertMatch(
    assertThrows(() => pairedTTest([1, 2], [1, 2], 1.5), RangeError).message,
    /level is 1.5/,
  );
  assertMatch(
    assertThrows(() => pairedTTest([1e308, 1], [-1e308, 0]), RangeError).message,
    /a - b\[0\] is Infinity/,
  );
});

Deno.test("holm() matches statsmodels multipletests(method='holm')", () => {
  // from statsmodels.stats.multitest import multipletests
  // [float(x) for x in multipletests(p, method="holm")[1]]
  const cases: [number[], number[]][] = [
    [[0.01, 0.04, 0.03], [0.03, 0.06, 0.06]],
    [[0.001, 0.2, 0.04, 0.04, 0.8, 0.012], [0.006, 0.4, 0.16, 0.16, 0.8, 0.06]],
    [[0.5, 0.6, 0.7], [1.0, 1.0, 1.0]],
    [[0.03], [0.03]],
    [[0.0, 1.0, 0.5], [0.0, 1.0, 1.0]],
  ];
  for (const [p, expected] of cases) {
    const got = holm(p);
    assertEquals(got.length, expected.length);
    got.forEach((v, i) => assertAlmostEquals(v, expected[i], 1e-15));
  }
  assertEquals(holm([]), []);
});

Deno.test("holm() keeps NaN out of m and rejects values outside [0, 1]", () => {
  // NaN entries stay NaN and do not count: multipletests([0.2, 0.01], method="holm")[1] =
  // [0.2, 0.02] (statsmodels has no NaN handling; R's p.adjust drops NA the same way).
  const got = holm([0.2, NaN, 0.01]);
  assert(Number.isNaN(got[1]));
  assertEquals([got[0], got[2]], [0.2, 0.02]);
  assert(holm([NaN, NaN]).every(Number.isNaN));
  assertMatch(
    assertThrows(() => holm([0.1, 1.2]), RangeError).message,
    /p\[1\] is 1.2, expected a probability in \[0, 1\] or NaN/,
  );
  assertThrows(() => holm([-0.01]), RangeError);
});

// [df, nc, [float(stats.nct.cdf(t, df, nc)) for t in NCT_T]]
//   for df in [1, 3, 9, 29, 1e6] for nc in [-2, 0.5, 3, 8, 37]
// (values at or below ~1e-16 are scipy/Boost's floors, compared absolutely.)
const NCT_T = [-3, 0, 1, 2.5, 6, 30];
const NCT_CDF: [number, number, number[]][] = [
  [1, -2, [
    0.4751428382663121,
    0.9772498680518208,
    0.9938142398653378,
    0.997334758317175,
    0.9988742287703458,
    0.9997742067876776,
  ]],
  [1, 0.5, [
    0.051245174762447984,
    0.3085375387259869,
    0.5927477364400293,
    0.7918587032850175,
    0.9083616292139862,
    0.9814507243118631,
  ]],
  [1, 3, [
    0.00010089353075984945,
    0.0013498980316300954,
    0.03360763825082426,
    0.26508470358579794,
    0.6218226995355176,
    0.9203782316100194,
  ]],
  [1, 8, [
    1.1102230246251565e-16,
    6.220960574271819e-16,
    1.541725784085705e-08,
    0.0029671058986475794,
    0.18844541724270603,
    0.7898398043127705,
  ]],
  [1, 37, [
    0.0,
    5.725571222525139e-300,
    7.01996157498544e-151,
    5.731228336643227e-43,
    1.1812924646610705e-09,
    0.21770685209791799,
  ]],
  [3, -2, [
    0.31997282594447735,
    0.9772498680518208,
    0.9969947524046014,
    0.9996103883884122,
    0.9999665417611875,
    0.9999997218118202,
  ]],
  [3, 0.5, [
    0.011240708990093518,
    0.3085375387259869,
    0.6515283330101278,
    0.9057665876808625,
    0.9891418618293844,
    0.9999024369103531,
  ]],
  [3, 3, [
    7.099067005093097e-06,
    0.0013498980316300954,
    0.027000480145695196,
    0.30155465048880364,
    0.8388853139886807,
    0.9981856024030974,
  ]],
  [3, 8, [
    0.0,
    6.220960574271819e-16,
    5.6433660363432865e-11,
    8.159577779004874e-05,
    0.16590057637448438,
    0.9744269490480393,
  ]],
  [3, 37, [
    0.0,
    5.725571222525139e-300,
    5.725571222525139e-300,
    4.399839776020853e-96,
    1.0364234124587185e-22,
    0.20745176662971399,
  ]],
  [9, -2, [
    0.22672657871238,
    0.9772498680518208,
    0.9981293136171627,
    0.9999534953864707,
    0.9999998981994872,
    0.9999999999999145,
  ]],
  [9, 0.5, [
    0.00210711026813632,
    0.3085375387259869,
    0.6772505278174696,
    0.9535511642761275,
    0.9996144005581681,
    0.9999999994582988,
  ]],
  [9, 3, [
    2.2623201767490997e-07,
    0.0013498980316300954,
    0.02422626892848193,
    0.3101171088249597,
    0.9551820700549027,
    0.9999998265227971,
  ]],
  [9, 8, [
    0.0,
    6.220960574271819e-16,
    4.4503725149043874e-12,
    1.2431102840206388e-06,
    0.10601175775510631,
    0.9998649696413191,
  ]],
  [9, 37, [
    0.0,
    5.725571222525139e-300,
    5.725571222525139e-300,
    1.2342987271024119e-169,
    3.902416270898975e-54,
    0.13595881104555693,
  ]],
  [29, -2, [
    0.1822564221742367,
    0.9772498680518208,
    0.9984942358320986,
    0.9999901603973491,
    0.9999999999523482,
    1.0,
  ]],
  [29, 0.5, [
    0.0005876745954530638,
    0.3085375387259869,
    0.6869540154897652,
    0.9701064064265443,
    0.9999942079301167,
    1.0,
  ]],
  [29, 3, [
    1.1047107895123531e-08,
    0.0013498980316300954,
    0.023213475795335642,
    0.30989080816298675,
    0.9904597016629335,
    1.0,
  ]],
  [29, 8, [
    0.0,
    6.220960574271819e-16,
    1.8636869207742218e-12,
    8.440233195054295e-08,
    0.054152320211138395,
    0.999999999908618,
  ]],
  [29, 37, [
    0.0,
    5.725571222525139e-300,
    5.725571222525139e-300,
    5.725571222525139e-300,
    1.540282017399302e-113,
    0.039907512433392224,
  ]],
  [1e6, -2, [
    0.15865597984275404,
    0.9772498680518208,
    0.9986500975365189,
    0.999996602200402,
    0.9999999999999993,
    1.0,
  ]],
  [1e6, 0.5, [
    0.00023263660593785638,
    0.3085375387259869,
    0.6914623292495523,
    0.9772496655862897,
    0.9999999810049442,
    1.0,
  ]],
  [1e6, 3, [
    9.866742978204002e-10,
    0.0013498980316300954,
    0.022750145445919134,
    0.3085375937356823,
    0.9986499756573164,
    1.0,
  ]],
  [1e6, 8, [
    0.0,
    6.220960574271819e-16,
    1.279826246047498e-12,
    1.8990420699712158e-08,
    0.022751022802659553,
    1.0,
  ]],
  [1e6, 37, [
    0.0,
    5.725571222525139e-300,
    5.725571222525139e-300,
    5.725571222525139e-300,
    5.725571222525139e-300,
    1.2942056588614083e-12,
  ]],
];

// Large noncentrality, where AS 243 / R's pnt switch to a normal approximation that is off by up
// to 0.05 at small df (e.g. nct.cdf(20, 1, 40) = 0.0458, the approximation 0.0389):
// [df, nc, [float(stats.nct.cdf(t, df, nc)) for t in NCT_T_LARGE]]
//   for df in [1, 3, 10, 100] for nc in [40, 80]
const NCT_T_LARGE = [-3, 20, 40, 60, 100, 1000];
const NCT_CDF_LARGE: [number, number, number[]][] = [
  [1, 40, [
    0.0,
    0.04577038681893222,
    0.31746169232059684,
    0.5050442216354022,
    0.6891712465391594,
    0.9680931422392567,
  ]],
  [1, 80, [
    0.0,
    6.469169834704162e-05,
    0.04556776313972802,
    0.18248317876813128,
    0.42373397112375866,
    0.936237287785418,
  ]],
  [3, 40, [
    0.0,
    0.007642384864915621,
    0.39191345310497205,
    0.7211020531179219,
    0.9231637297652701,
    0.9999115157097355,
  ]],
  [3, 80, [
    0.0,
    2.5184124354399203e-10,
    0.007447534503771279,
    0.1491317458933128,
    0.5891707792608061,
    0.9992961643074469,
  ]],
  [10, 40, [
    0.0,
    2.2989018837893315e-05,
    0.4410353509508099,
    0.9243835047257889,
    0.9985602037861128,
    0.9999999999997211,
  ]],
  [10, 80, [
    0.0,
    1.8614418561570543e-28,
    1.8318860392823278e-05,
    0.05926719015155244,
    0.7803812841024665,
    0.9999999997258403,
  ]],
  [100, 40, [0.0, 4.097667026574417e-28, 0.4827583157197052, 0.999999311575469, 1.0, 1.0]],
  [100, 80, [
    0.0,
    2.5759840496263334e-208,
    1.244944510691277e-34,
    4.484715351777323e-06,
    0.9978538769455418,
    1.0,
  ]],
];

Deno.test("noncentralTCdf() matches scipy.stats.nct.cdf", () => {
  const grids: [number[], [number, number, number[]][]][] = [
    [NCT_T, NCT_CDF],
    [NCT_T_LARGE, NCT_CDF_LARGE],
  ];
  for (const [ts, table] of grids) {
    for (const [df, nc, row] of table) {
      row.forEach((expected, i) => {
        const got = noncentralTCdf(ts[i], df, nc);
        // Measured worst difference over these grids and a wider one (1287 points, df 0.5 to
        // 1e5, nc -60 to 150, t -100 to 1e4): 4.5e-12.
        assertAlmostEquals(got, expected, 1e-10, `nct.cdf(${ts[i]}, ${df}, ${nc}): ${got}`);
      });
    }
  }
});

Deno.test("noncentralTCdf() reduces to studentTCdf() and handles infinities and NaN", () => {
  assertEquals(noncentralTCdf(1.3, 7, 0), studentTCdf(1.3, 7));
  // Continuous in nc through 0.
  assertAlmostEquals(noncentralTCdf(1.3, 7, 1e-9), studentTCdf(1.3, 7), 1e-9);
  assertEquals([noncentralTCdf(Infinity, 3, 2), noncentralTCdf(-Infinity, 3, 2)], [1, 0]);
  for (const [t, df, nc] of [[NaN, 3, 1], [1, 0, 1], [1, NaN, 1], [1, 3, NaN], [1, 3, Infinity]]) {
    assert(Number.isNaN(noncentralTCdf(t, df, nc)), `nct(${t}, ${df}, ${nc}) should be NaN`);
  }
});

// Plugged back into scipy: with d = pairedMde(sd, n, { alpha, power }) from this module,
//   df = n - 1; nc = d * np.sqrt(n) / sd; tc = stats.t.ppf(1 - alpha / 2, df)
//   stats.nct.sf(tc, df, nc) + stats.nct.cdf(-tc, df, nc)
// gives `scipyPower`; `scipyRoot` is scipy's own solution,
//   optimize.brentq(lambda d: power(d) - target, 1e-9, 100 * sd, xtol=1e-14, rtol=1e-14).
const MDE: {
  sd: number;
  n: number;
  alpha: number;
  power: number;
  mde: number;
  scipyPower: number;
  scipyRoot: number;
}[] = [
  {
    sd: 1,
    n: 2,
    alpha: 0.05,
    power: 0.8,
    mde: 11.549888435864618,
    scipyPower: 0.799999999990254,
    scipyRoot: 11.549888436114845,
  },
  {
    sd: 1,
    n: 3,
    alpha: 0.05,
    power: 0.8,
    mde: 3.2640435496970395,
    scipyPower: 0.7999999999776296,
    scipyRoot: 3.264043549814199,
  },
  {
    sd: 1,
    n: 5,
    alpha: 0.05,
    power: 0.8,
    mde: 1.6819969659528844,
    scipyPower: 0.7999999999988303,
    scipyRoot: 1.6819969659555571,
  },
  {
    sd: 2.5,
    n: 10,
    alpha: 0.05,
    power: 0.8,
    mde: 2.490003428637996,
    scipyPower: 0.8000000000147617,
    scipyRoot: 2.4900034285905703,
  },
  {
    sd: 0.3,
    n: 30,
    alpha: 0.05,
    power: 0.8,
    mde: 0.15877068453387744,
    scipyPower: 0.7999999999999586,
    scipyRoot: 0.158770684533886,
  },
  {
    sd: 1,
    n: 1000,
    alpha: 0.05,
    power: 0.8,
    mde: 0.08867907559422403,
    scipyPower: 0.7999999999996485,
    scipyRoot: 0.08867907559426377,
  },
  {
    sd: 1,
    n: 8,
    alpha: 0.01,
    power: 0.9,
    mde: 1.8137069609611227,
    scipyPower: 0.8999999999996039,
    scipyRoot: 1.8137069609622476,
  },
];

Deno.test("pairedMde() plugged back into scipy.stats.nct gives the requested power", () => {
  for (const c of MDE) {
    const d = c.alpha === 0.05 && c.power === 0.8
      ? pairedMde(c.sd, c.n)
      : pairedMde(c.sd, c.n, { alpha: c.alpha, power: c.power });
    // The value scipy's power was computed at (regression guard), within 1e-9.
    assertRel(d, c.mde, 1e-9, `mde(${c.sd}, ${c.n})`);
    // scipy's power there is the target to 1e-4 (in fact to 3e-11) ...
    assertAlmostEquals(c.scipyPower, c.power, 1e-4);
    // ... and scipy's own root agrees (its t.ppf is off by up to 4e-11 at df = 1).
    assertRel(d, c.scipyRoot, 1e-9, `scipy root (${c.sd}, ${c.n})`);
    // Our own power at d, through noncentralTCdf, is the target as well.
    const df = c.n - 1, nc = (d * Math.sqrt(c.n)) / c.sd;
    const tc = studentTQuantile(1 - c.alpha / 2, df);
    const power = 1 - noncentralTCdf(tc, df, nc) + noncentralTCdf(-tc, df, nc);
    assertAlmostEquals(power, c.power, 1e-10);
  }
  // Large n: the normal approximation (z_{0.975} + z_{0.8}) sd / sqrt(n) = 2.8016 / 1000.
  assertAlmostEquals(pairedMde(1, 1e6), (1.959963984540054 + 0.8416212335729143) / 1000, 1e-8);
  // Linear in sd.
  assertAlmostEquals(pairedMde(3, 6), 3 * pairedMde(1, 6), 1e-12);
});

Deno.test("pairedMde() edge cases: n < 2, zero or non-finite sd, bad options", () => {
  assert([pairedMde(1, 1), pairedMde(1, 0), pairedMde(1, NaN)].every(Number.isNaN));
  assert([pairedMde(NaN, 5), pairedMde(Infinity, 5)].every(Number.isNaN));
  assertEquals(pairedMde(0, 5), 0);
  // A power at or below alpha is reached with no difference at all.
  assertEquals(pairedMde(1, 5, { alpha: 0.05, power: 0.05 }), 0);
  assertMatch(assertThrows(() => pairedMde(-1, 5), RangeError).message, /sdDiff is -1/);
  assertMatch(assertThrows(() => pairedMde(1, 4.5), RangeError).message, /n is 4.5/);
  assertMatch(
    assertThrows(() => pairedMde(1, 5, { alpha: 0 }), RangeError).message,
    /alpha is 0, expected 0 < alpha < 1/,
  );
  assertMatch(
    assertThrows(() => pairedMde(1, 5, { power: 1 }), RangeError).message,
    /power is 1, expected 0 < power < 1/,
  );
});
