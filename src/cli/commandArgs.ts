import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, StrataError } from '../index.js';

/** `parseArgs` for a sub-command: a bad flag becomes INVALID_OPTION pointing at the command's `--help`. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `${(err as Error).message}. See 'strata ${command} --help'.`, { cause: err });
  }
}
