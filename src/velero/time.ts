/** Kubernetes timestamps carry whole seconds: `2026-11-24T08:00:00Z`. */
export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** UTC `YYYYMMDDhhmmss`, Velero's timestamp suffix for schedule and restore names. */
export function timestampSuffix(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
