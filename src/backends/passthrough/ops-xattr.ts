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
  /** An open file with no name left: its own fd (`/proc/self/fd/N` reaches the open inode). */
  const onFile = (fh: number | undefined): string | undefined => {
    const file = fh === undefined ? undefined : ctx.handles.get(fh);
    return file?.kind === 'file' ? `/proc/self/fd/${file.fd}` : undefined;
  };
  return {
    getxattr: (call: OpCall<'getxattr'>) => {
      const read = (proc: string): Promise<Buffer> =>
        getxattr(ctx.io, proc, call.args.name).catch((err: unknown) =>
          noAclAsNoData(call.args.name, err),
        );
      const file = onFile(call.args.fh);
      return file !== undefined ? read(file) : onNode(call.args.path, (n) => read(n.proc));
    },
    listxattr: (call: OpCall<'listxattr'>) =>
      onNode(call.args.path, (n) => listxattr(ctx.io, n.proc)),
    setxattr: (call: OpCall<'setxattr'>) =>
      onNode(call.args.path, (n) =>
        setxattr(ctx.io, n.proc, call.args.name, call.args.value, call.args.flags),
      ),
    removexattr: (call: OpCall<'removexattr'>) => {
      const file = onFile(call.args.fh);
      if (file !== undefined) return removexattr(ctx.io, file, call.args.name);
      return onNode(call.args.path, (n) => removexattr(ctx.io, n.proc, call.args.name));
    },
  };
}
