// Types for seedrandom's xor128 generator module (its @types package covers only the main entry).
declare module 'seedrandom/lib/xor128.js' {
  /** Returns a generator of floats in [0, 1) seeded from `seed`. */
  const xor128: (seed: string) => () => number;
  export default xor128;
}
