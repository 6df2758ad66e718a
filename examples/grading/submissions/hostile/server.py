"""A hostile submission: it tries everything a student's code should never get away with, says what it
tried, and never serves anyone. Graded in socklab's sandbox it scores nothing, and every attempt fails.

It tries: to read its parent folder and to find the grading scenarios (any *.yaml with points:), to write
outside its folder and into /tmp, to connect to the host (its gateway, the engine's usual 172.17.0.1) and to
127.0.0.1, to leave a daemon behind, to print forged connection lines without admitting anyone, to flood its
console, and to ignore SIGTERM.
"""
import os
import signal
import socket
import sys
import time

HOST = '0.0.0.0'
PORT = 12345
# The host port it tries to reach (a test of the sandbox listens there on the host).
HOST_PORT = 47999


def say(what, outcome):
    print(f"hostile: {what}: {outcome}", flush=True)


def attempt(what, action):
    try:
        say(what, f"SUCCEEDED {action()}")
    except Exception as e:  # every way of failing is a contained attempt
        say(what, f"blocked ({type(e).__name__}: {e})")


def read_parent():
    return sorted(os.listdir('..'))


def find_scenarios():
    found = []
    for top in ('/', '..'):
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if not root == '/' or d not in ('proc', 'sys', 'dev')]
            for name in files:
                if not name.endswith(('.yaml', '.yml')):
                    continue
                try:
                    with open(os.path.join(root, name), errors='replace') as f:
                        if 'points:' in f.read(65536):
                            found.append(os.path.join(root, name))
                except OSError:
                    pass
    if not found:
        raise FileNotFoundError('no scenario file anywhere it can see')
    return found


def write(path):
    def go():
        with open(path, 'w') as f:
            f.write('hostile was here\n')
        return path
    return go


def gateway():
    with open('/proc/net/route') as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == '00000000':
                return socket.inet_ntoa(int(fields[2], 16).to_bytes(4, 'little'))
    # No default route: the lab network's first address is the host's.
    own = socket.gethostbyname(socket.gethostname()).split('.')
    return '.'.join(own[:3] + ['1'])


def connect(host):
    def go():
        s = socket.create_connection((host, HOST_PORT), timeout=2)
        s.sendall(b'hostile\n')
        s.close()
        return f"{host}:{HOST_PORT}"
    return go


def daemon():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(3600)
    return f"pid {pid}"


signal.signal(signal.SIGTERM, signal.SIG_IGN)
attempt('read ../', read_parent)
attempt('find the scenarios', find_scenarios)
attempt('write outside its folder', write('../escaped.txt'))
attempt('write beside itself', write('planted.txt'))
attempt("write the host's /tmp", write('/tmp/socklab-hostile-marker'))
attempt('connect to the host', connect(gateway()))
attempt('connect to the engine host', connect('172.17.0.1'))
attempt('connect to 127.0.0.1', connect('127.0.0.1'))
attempt('leave a daemon', daemon)
attempt('ignore SIGTERM', lambda: 'SIGTERM ignored')

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(16)
print(f"Server listening on {HOST}:{PORT}", flush=True)
# Forged: nobody has connected.
for n, port in ((1, 40001), (2, 40002), (3, 40003)):
    print(f"Client0{n} connected from ('10.0.0.{n + 10}', {port})", flush=True)
print("Rejected connection from ('10.0.0.14', 40004). Server is full.", flush=True)
held = []
while True:
    conn, addr = server.accept()
    held.append(conn)  # never answered
    # A flood: 3 MiB of console for every connection.
    line = 'x' * 1023
    for _ in range(3 * 1024):
        sys.stdout.write(line + '\n')
    sys.stdout.flush()
