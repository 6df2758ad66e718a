import { chmod, cp } from 'node:fs/promises'
import type Dockerode from 'dockerode'
import { ConsoleTranscript } from '../../lab/console-transcript.js'
import { startAttached } from '../../docker/attached-start.js'
import { ownedTempDir, type OwnedTempDir } from '../../ownership/owned-temp-dir.js'
import { IN_CONTAINER } from '../../lab/server-spec.js'
import type { ClientPlace, RunContainer } from './docker-clients.js'
import type { ConsoleProgram, ProgramSource } from './scenario-target.js'

/**
 * Holds the program until its routes are given (a client.py connects the moment it starts): one line on its
 * standard input, then the file runs as `python3 file` would run it, as `__main__`, with its own argv.
 */
const GATE = "import runpy, sys; sys.stdin.readline(); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"

export interface ProgramHost {
  docker: Dockerode
  /** A Python image (the base of servers under test). */
  image: string
  /** The container's name, and the name of its log among the run's. */
  name: string
  logName: string
  labels: Record<string, string>
  network: string
  place?: ClientPlace
  /** The run's containers and folders: removed with it. */
  containers: RunContainer[]
  copies: OwnedTempDir[]
}

/**
 * A program of someone's own (a student's client.py) in a container of its own on the lab network, from a
 * copy of its folder (theirs is never written), as uid 1000 with no capabilities, its console attached.
 */
export async function startDockerProgram(host: ProgramHost, program: ProgramSource): Promise<ConsoleProgram> {
  const copy = await ownedTempDir('program')
  host.copies.push(copy)
  await cp(program.dir, copy.path, { recursive: true, filter: (from) => !from.endsWith('/__pycache__') })
  await chmod(copy.path, 0o777)
  const container = await host.docker.createContainer({
    Image: host.image,
    name: host.name,
    Labels: host.labels,
    Cmd: ['python3', '-u', '-c', GATE, program.file],
    Env: ['PYTHONUNBUFFERED=1', 'PYTHONDONTWRITEBYTECODE=1'],
    WorkingDir: IN_CONTAINER.dir,
    User: '1000:1000',
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: { NetworkMode: host.network, Binds: [`${copy.path}:${IN_CONTAINER.dir}`], CapDrop: ['ALL'], Init: true },
  })
  host.containers.push({ name: host.logName, container, logged: true })
  const transcript = new ConsoleTranscript()
  // Its console ends once the streams have given everything it printed.
  const started = await startAttached(host.docker, container, { stdout: (text) => transcript.push(text), stderr: (text) => transcript.push(text), end: () => transcript.end() })
  await host.place?.addRoutes(container)
  const { NetworkSettings } = await container.inspect()
  const address = NetworkSettings.Networks[host.network]?.IPAddress ?? ''
  started.write('\n')
  const { exited } = started
  return {
    transcript,
    type: (line) => started.write(`${line}\n`),
    exited,
    get running() {
      return started.isRunning()
    },
    address,
    async kill() {
      await container.kill({ signal: 'SIGKILL' }).catch(() => undefined)
      await exited
    },
  }
}
