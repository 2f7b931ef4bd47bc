/** `a, b` or one per line (YAML block scalars in workflows) → ['a', 'b']. */
export function splitList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
