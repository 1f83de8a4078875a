// Runs the compatibility suites under compat/ (each its own package: Keyv's official store suite needs vitest),
// then every test file under test/ with Node's own test runner (TypeScript through tsx).
// `npm test -- <filter>` runs only the test/ files whose path contains <filter> and skips compat/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function run(command, args, cwd = '.') {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd, env: { ...process.env, NODE_ENV: 'test' } });
  return result.status ?? 1;
}

const filters = process.argv.slice(2);
let failed = 0;
if (filters.length === 0) {
  for (const name of readdirSync('compat').sort()) {
    const dir = join('compat', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    console.log(`\n— compat/${name}`);
    // --ignore-scripts: the suites' native extras (sqlite3 in @keyv/test-suite) are never loaded.
    if (!existsSync(join(dir, 'node_modules')) && run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], dir) !== 0) failed++;
    else if (run('npm', ['test', '--silent'], dir) !== 0) failed++;
  }
}

const files = findTests('test')
  .map((f) => relative('.', f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error(`no test file matches ${filters.join(' ')}`);
  process.exit(1);
}
const status = run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files]);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
