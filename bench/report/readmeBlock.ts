// Puts the generated table into the root README between its markers, touching nothing else.

export const BLOCK_START = '<!-- bench:start -->';
export const BLOCK_END = '<!-- bench:end -->';

/**
 * The README with `table` between the markers. Without markers they are added at the end of the
 * "## Performance" section, and without that section a new one is appended.
 */
export function replaceBenchBlock(readme: string, table: string): string {
  const block = `${BLOCK_START}\n${table.trimEnd()}\n${BLOCK_END}`;
  const start = readme.indexOf(BLOCK_START);
  const end = readme.indexOf(BLOCK_END);
  if (start !== -1 && end > start) return readme.slice(0, start) + block + readme.slice(end + BLOCK_END.length);
  const lines = readme.split('\n');
  const section = lines.findIndex((line) => /^## Performance\s*$/.test(line));
  if (section === -1) return `${readme.trimEnd()}\n\n## Performance\n\n${block}\n`;
  let next = lines.findIndex((line, i) => i > section && /^#{1,2} /.test(line));
  if (next === -1) next = lines.length;
  let insertAt = next;
  while (insertAt > section + 1 && lines[insertAt - 1]!.trim() === '') insertAt--;
  return [...lines.slice(0, insertAt), '', block, ...(next < lines.length ? [''] : []), ...lines.slice(next)].join('\n').replace(/\n*$/, '\n');
}
