// `npm run bench [-- --quick] [-- --suite l1]`: installs bench/'s own dependencies when they are missing, then
// runs bench/run.ts (which measures the working tree's src/ through tsx).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (!existsSync('bench/node_modules/.package-lock.json')) {
  const install = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: 'bench', stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const run = spawnSync('npx', ['tsx', 'run.ts', ...process.argv.slice(2)], { cwd: 'bench', stdio: 'inherit' });
process.exit(run.status ?? 1);
