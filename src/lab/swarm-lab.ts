import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type Dockerode from 'dockerode'
import { SocklabError } from '../errors/socklab-error.js'
import { demultiplexLog } from '../docker/docker-log.js'
import { PACKAGE_ROOT } from '../package/package-files.js'
import { plural } from '../text/plural.js'
import { labTitle } from './lab-record.js'

/** How long a Swarm lab may take from deploy until every client has run its session. */
const SWARM_VERDICT_TIMEOUT_MS = 5 * 60_000
/** How long `lab down` waits for the stack's services and network to be gone. */
const SWARM_REMOVE_TIMEOUT_MS = 60_000
const POLL_MS = 250
/** Task states after which a task runs no more. */
const FINISHED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove'])

export interface SwarmLabOptions {
  name: string
  image: string
  clients: number
  maxClients?: number
  /** How long each client keeps its slot, so that they overlap and one past the limit is turned away. */
  holdMs: number
}

export interface SwarmTask {
  name: string
  node: string
  state: string
  exitCode?: number
  error?: string
}

export interface SwarmView {
  stack: string
  server?: SwarmTask
  clients: SwarmTask[]
  /** Clients that ran their session (exit 0), and that were turned away (exit 3). */
  served: number
  rejected: number
  finished: boolean
  /** The server's console (plain log format). */
  serverLog: string[]
}

export const stackName = (lab: string) => `socklab-${lab}`

/**
 * The lab on Docker Swarm: docker-stack.yml deployed as a stack (`docker stack deploy`: there is no engine
 * API for stacks), then watched through the engine (tasks, nodes, the server's log) until every client has
 * run its session once. The engine must be a swarm manager and every node must have the image.
 */
export async function deploySwarmLab(docker: Dockerode, options: SwarmLabOptions): Promise<void> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } }
  if (info.Swarm?.LocalNodeState !== 'active') {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', 'this Docker engine is not part of a swarm: `docker swarm init` makes a one-node swarm (docs/swarm.md)')
  }
  if (!info.Swarm.ControlAvailable) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', 'this Docker engine is a swarm worker: run socklab on a manager node')
  const env = {
    ...process.env,
    SOCKLAB_IMAGE: options.image,
    SOCKLAB_CLIENTS: String(options.clients),
    SOCKLAB_HOLD_MS: String(options.holdMs),
    ...(options.maxClients !== undefined ? { SOCKLAB_MAX_CLIENTS: String(options.maxClients) } : {}),
  }
  const deployed = spawnSync('docker', ['stack', 'deploy', '--detach=true', '-c', join(PACKAGE_ROOT, 'docker-stack.yml'), stackName(options.name)], { env, encoding: 'utf8' })
  if (deployed.error || deployed.status !== 0) {
    throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `docker stack deploy failed: ${deployed.error?.message ?? deployed.stderr.trim()}`)
  }
}

/** Waits until every client task has finished (or the time is up), and returns the lab as it is then. */
export async function waitForVerdict(docker: Dockerode, lab: string, clients: number): Promise<SwarmView> {
  const until = Date.now() + SWARM_VERDICT_TIMEOUT_MS
  for (;;) {
    const view = await swarmLabView(docker, lab)
    if ((view.finished && view.clients.length >= clients) || Date.now() > until) return view
    await delay(POLL_MS)
  }
}

/** The stack's tasks (with the node each runs on), the clients' outcomes and the server's log. */
export async function swarmLabView(docker: Dockerode, lab: string): Promise<SwarmView> {
  const stack = stackName(lab)
  const nodes = new Map(((await docker.listNodes()) as Array<{ ID: string; Description?: { Hostname?: string } }>).map((n) => [n.ID, n.Description?.Hostname ?? n.ID]))
  const tasks = (await docker.listTasks({ filters: { label: [`com.docker.stack.namespace=${stack}`] } })) as Array<{
    Slot?: number
    NodeID?: string
    ServiceID: string
    DesiredState: string
    Status: { State: string; Err?: string; ContainerStatus?: { ExitCode?: number } }
    Spec: { ContainerSpec?: { Labels?: Record<string, string> } }
  }>
  const services = new Map(((await docker.listServices({ filters: { label: [`com.docker.stack.namespace=${stack}`] } })) as Array<{ ID: string; Spec: { Name: string } }>).map((s) => [s.ID, s.Spec.Name]))
  const describe = (task: (typeof tasks)[number]): SwarmTask => ({
    name: `${services.get(task.ServiceID) ?? '?'}.${task.Slot ?? '?'}`,
    node: nodes.get(task.NodeID ?? '') ?? '(not placed)',
    state: task.Status.State,
    ...(task.Status.ContainerStatus?.ExitCode !== undefined && FINISHED.has(task.Status.State) ? { exitCode: task.Status.ContainerStatus.ExitCode } : {}),
    ...(task.Status.Err ? { error: task.Status.Err } : {}),
  })
  const of = (service: string) => tasks.filter((t) => services.get(t.ServiceID) === `${stack}_${service}`).map(describe).sort((a, b) => a.name.localeCompare(b.name))
  const clients = of('client')
  const server = of('server').find((t) => t.state === 'running') ?? of('server')[0]
  const serverId = [...services].find(([, name]) => name === `${stack}_server`)?.[0]
  let serverLog: string[] = []
  if (serverId) {
    const raw = (await docker.getService(serverId).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer
    serverLog = demultiplexLog(raw).stdout.split('\n').filter(Boolean)
  }
  return {
    stack,
    ...(server ? { server } : {}),
    clients,
    served: clients.filter((c) => c.exitCode === 0).length,
    rejected: clients.filter((c) => c.exitCode === 3).length,
    finished: clients.length > 0 && clients.every((c) => FINISHED.has(c.state)),
    serverLog,
  }
}

/** `docker stack rm`, then waits until its services and network are gone (idempotent). */
export async function removeSwarmLab(docker: Dockerode, lab: string): Promise<void> {
  const stack = stackName(lab)
  const removed = spawnSync('docker', ['stack', 'rm', stack], { encoding: 'utf8' })
  if (removed.error) throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `docker stack rm failed: ${removed.error.message}`)
  const until = Date.now() + SWARM_REMOVE_TIMEOUT_MS
  const filters = { label: [`com.docker.stack.namespace=${stack}`] }
  while (Date.now() < until) {
    const left = (await docker.listServices({ filters })).length + (await docker.listNetworks({ filters })).length + (await docker.listContainers({ all: true, filters })).length
    if (left === 0) return
    await delay(POLL_MS)
  }
  throw new SocklabError('SOCKLAB_TARGET_UNAVAILABLE', `the stack ${stack} was not gone within ${SWARM_REMOVE_TIMEOUT_MS / 1000} s`)
}

/** The Swarm lab for people: where each task runs and how each client ended. */
export function describeSwarmLab(lab: string, view: SwarmView): string {
  const outcome = (t: SwarmTask) =>
    t.exitCode === 0 ? 'served (exit 0)' : t.exitCode === 3 ? 'turned away: server full (exit 3)' : t.exitCode !== undefined ? `exit ${t.exitCode}${t.error ? ` (${t.error})` : ''}` : t.state
  const lines = [
    `${labTitle(lab)} on Docker Swarm (stack ${view.stack})`,
    `  server  ${view.server ? `${view.server.name} on node ${view.server.node}, ${view.server.state}` : 'not placed yet'}`,
    ...view.clients.map((c) => `  client  ${c.name} on node ${c.node}: ${outcome(c)}`),
    `  ${view.finished ? '' : 'so far: '}${view.served} served, ${view.rejected} turned away, of ${plural(view.clients.length, 'client')}`,
  ]
  return `${lines.join('\n')}\n`
}
