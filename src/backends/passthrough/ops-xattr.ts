import type { OpCall } from '../../vfs/types.js';
import { getxattr, listxattr, removexattr, setxattr } from '../../sys/xattr.js';
import { noAclAsNoData } from './acl.js';
import { withRef } from './confine.js';
import type { NodeRef } from './confine.js';
import type { PassthroughContext } from './context.js';

/**
 * Extended attributes through `/proc/self/fd/N` of an O_PATH|O_NOFOLLOW fd: the kernel resolves
 * that to the held inode itself, so a symlink's own attributes are read and a target never is.
 */
export function createXattrOps(ctx: PassthroughContext) {
  const onNode = <T>(path: string, fn: (n: NodeRef) => Promise<T>): Promise<T> =>
    withRef(ctx.confine.node(path), fn);
  return {
    getxattr: (call: OpCall<'getxattr'>) =>
      onNode(call.args.path, (n) =>
        getxattr(ctx.io, n.proc, call.args.name).catch((err: unknown) =>
          noAclAsNoData(call.args.name, err),
        ),
      ),
    listxattr: (call: OpCall<'listxattr'>) =>
      onNode(call.args.path, (n) => listxattr(ctx.io, n.proc)),
    setxattr: (call: OpCall<'setxattr'>) =>
      onNode(call.args.path, (n) =>
        setxattr(ctx.io, n.proc, call.args.name, call.args.value, call.args.flags),
      ),
    removexattr: (call: OpCall<'removexattr'>) =>
      onNode(call.args.path, (n) => removexattr(ctx.io, n.proc, call.args.name)),
  };
}
