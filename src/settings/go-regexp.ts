/**
 * Velero matches resourceNameRegex with Go's regexp (RE2), unanchored. JavaScript's RegExp reads most RE2 patterns
 * the same; the forms it does not are translated: leading flag groups like `(?i)` become RegExp flags, `(?P<name>`
 * becomes `(?<name>`, and `\A` / `\z` become `^` / `$` (no multiline flag is set, so they mean start and end of input).
 * Throws SyntaxError for what neither understands.
 */
export function goRegExp(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const flag of leading[1]!) {
      if (flag === 'i' || flag === 's') flags += flags.includes(flag) ? '' : flag;
      else if (flag === 'm') flags += flags.includes('m') ? '' : 'm';
      else throw new SyntaxError(`flag '${flag}' is not supported (use i, m or s)`);
    }
    source = source.slice(leading[0].length);
  }
  source = source.replaceAll('(?P<', '(?<').replaceAll('\\A', '^').replaceAll('\\z', '$');
  return new RegExp(source, flags);
}
