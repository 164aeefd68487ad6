// What the analysis commands print and record the same way: a plain-text table for standard output,
// and the command line as given, for a report's provenance.

/** Columns padded to their widest cell, two spaces apart; `isText(column)` left-aligns, figures right-align. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], isText: (column: number) => boolean): string[] {
  const widths = header.map((label, column) => Math.max(label.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (isText(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `fengkong <words…>` and each option given (`--name value`), in the order listed; options left out are skipped. */
export function commandLine(
  words: readonly string[],
  options: ReadonlyArray<readonly [flag: string, value: string | number | undefined]>,
): string {
  const flags = options.flatMap(([flag, value]) => (value === undefined ? [] : [`--${flag}`, String(value)]));
  return ['fengkong', ...words, ...flags].join(' ');
}
