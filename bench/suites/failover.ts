// Failover: a Redis master SIGKILLed under load, on a 3+3 Cluster and on Sentinel (1 master, 2 replicas). The kills,
// the load and the result live in ../failover.ts (also runnable alone, with --topology); this runs both topologies:
// one kill each with --quick, five each otherwise.
import { failoverResult, measureFailover, type FailoverOptions } from '../failover.js';
import { runIfMain, type Suite } from '../lib/suite.js';

export const failover: Suite = async ({ quick }) => {
  const options: FailoverOptions = { topologies: ['cluster', 'sentinel'], kills: quick ? 1 : 5, quick };
  const result = failoverResult(await measureFailover(options), options);
  result.command = `cd bench && npx tsx suites/failover.ts${quick ? ' --quick' : ''}`;
  return result;
};

await runIfMain(import.meta.url, failover);
