/** Pads every cell but the last of each row to its column's width, so rows line up. */
export function alignColumns(rows: readonly (readonly string[])[]): string[][] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  }
  return rows.map((row) =>
    row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)),
  )
}

/** Joins aligned cells with two spaces and drops trailing blanks. */
export function joinCells(cells: readonly string[]): string {
  return cells.join('  ').trimEnd()
}
