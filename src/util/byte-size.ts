/** Byte counts as people read and write them. */
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  ki: KiB,
  kib: KiB,
  mi: MiB,
  mib: MiB,
  gi: GiB,
  gib: GiB,
  ti: TiB,
  tib: TiB
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * A byte count as people write it: `1073741824`, `50Gi` / `50GiB` (binary, as Kubernetes quantities), `50G` /
 * `50GB` (decimal), `1.5Ti`. Undefined for anything else, zero and negative values included.
 */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `16 MiB`, `286.1 MiB`, `2 GiB`, `512 bytes`: binary units, one decimal when it is not zero. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [TiB, 'TiB'],
    [GiB, 'GiB'],
    [MiB, 'MiB'],
    [KiB, 'KiB']
  ];
  for (const [size, name] of units) {
    if (bytes >= size) return `${(bytes / size).toFixed(1).replace(/\.0$/, '')} ${name}`;
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

/** `286.1 MiB (300,000,000 bytes)`: the rounded size and the exact one. */
export function formatExactBytes(bytes: number): string {
  return bytes < KiB ? formatBytes(bytes) : `${formatBytes(bytes)} (${bytes.toLocaleString('en-US')} bytes)`;
}
