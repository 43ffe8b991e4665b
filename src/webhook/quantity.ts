/**
 * Kubernetes resource quantities (the apimachinery `resource.Quantity` syntax), validated here so
 * that a bad annotation is denied with our message rather than the apiserver's less specific one.
 */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(([eE][+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

const SUFFIX: Record<string, number> = {
  m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity as a float (precise enough to compare a request with a limit). */
export function quantityValue(value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) throw new RangeError(`not a quantity: ${value}`);
  const base = Number(m[1]);
  const exp = m[4];
  if (exp !== undefined) return base * 10 ** Number(exp.slice(1));
  const suffix = m[5];
  return suffix === undefined ? base : base * (SUFFIX[suffix] ?? 1);
}
