import type Dockerode from 'dockerode'
import { inNetworkNamespace } from './lab-router.js'

/**
 * What a server under test may use when it is someone else's code (a submission): each a named option of
 * `socklab grade` (docs/grading.md). Past memory or pids the kernel refuses it; past its output it is stopped.
 */
export interface SandboxLimits {
  /** --memory: bytes of memory (and no swap beyond it). */
  memory: number
  /** --cpus: CPUs' worth of time. */
  cpus: number
  /** --pids: processes and threads at once. */
  pids: number
  /** --tmpfs: bytes of each of its writable folders, /tmp and /dev/shm (the rest of its filesystem is read-only). */
  tmpfs: number
  /** --output-limit: bytes of console output read before it is stopped as a flood. */
  output: number
}

export const DEFAULT_SANDBOX: SandboxLimits = { memory: 256 * 1024 ** 2, cpus: 1, pids: 64, tmpfs: 16 * 1024 ** 2, output: 1024 ** 2 }

/** The uid and gid a sandboxed server runs as: nobody's, which owns nothing on the host or in the image. */
export const SANDBOX_USER = '65534:65534'

/**
 * The container settings that hold a sandboxed program: a read-only root with a small /tmp and /dev/shm (the
 * engine's own /dev/shm would be 64 MiB), no capabilities
 * and no way to gain one, and the limits. The engine keeps four files of at most the output limit of
 * its log on disk (the first lines survive a flood cut at the limit), so a flood cannot fill the host's disk either.
 */
export function sandboxHostConfig(limits: SandboxLimits): Dockerode.HostConfig {
  return {
    ReadonlyRootfs: true,
    Tmpfs: { '/tmp': `rw,noexec,nosuid,size=${limits.tmpfs}` },
    ShmSize: limits.tmpfs,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Memory: limits.memory,
    MemorySwap: limits.memory,
    NanoCpus: Math.round(limits.cpus * 1e9),
    PidsLimit: limits.pids,
    LogConfig: { Type: 'json-file', Config: { 'max-size': String(Math.max(limits.output, 64 * 1024)), 'max-file': '4' } },
  }
}

/**
 * The network namespace a sandboxed server runs in, held by a container of its own (the router image,
 * sleeping) so that it is sealed before the server's first instruction: its default route is removed and
 * each gateway (the host's own address on the lab network) is a blackhole, so the server reaches the other
 * lab nodes and nothing else: not the host, not its other addresses, not beyond. The lab network is
 * `--internal` besides (no route out through the engine either). A server restarted joins the same one.
 */
export async function sealedNetns(docker: Dockerode, image: string, options: { name: string; labels: Record<string, string>; network: string; endpoint: Dockerode.EndpointSettings; gateways: readonly string[] }): Promise<Dockerode.Container> {
  const holder = await docker.createContainer({
    Image: image,
    name: options.name,
    Labels: options.labels,
    Cmd: ['sleep', '2147483647'],
    HostConfig: { NetworkMode: options.network, Init: true, CapDrop: ['ALL'], ReadonlyRootfs: true },
    NetworkingConfig: { EndpointsConfig: { [options.network]: options.endpoint } },
  })
  try {
    await holder.start()
    const script = ['ip route del default 2>/dev/null; true', ...options.gateways.map((g) => `ip route replace blackhole ${g}/32`)].join(' && ')
    await inNetworkNamespace(docker, image, holder, script, options.labels, `seal the sandbox's network (${script})`)
  } catch (error) {
    await holder.remove({ force: true }).catch(() => undefined)
    throw error
  }
  return holder
}
