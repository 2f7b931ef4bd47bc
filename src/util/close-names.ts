/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * The names closest to `wanted`, nearest first: within a third of its length in edits (at least 2), or sharing a
 * prefix or containing it (`shop` for `shop-prod`), at most `max` of them.
 */
export function closeNames(wanted: string, names: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of names) {
    const d = editDistance(wanted, name);
    const related = name.includes(wanted) || wanted.includes(name);
    if (d <= limit || related) scored.push({ name, score: related ? Math.min(d, limit) : d });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}
