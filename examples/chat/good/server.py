"""A multi-client chat room: the next assignment after the file server.

Protocol (lines, LF):
  client: JOIN <name>      server: WELCOME <name>, and to everyone else: * <name> joined
  client: any other line   server, to everyone else: <name>: <line>   (the sender gets nothing back)
  client: LEAVE            server: BYE, closes; to everyone else: * <name> left (also when a client just goes)
  a client past MAX_USERS: ROOM FULL, then the server closes it
Usage: python3 server.py [port]   (default 5000)
"""
import socket
import sys
import threading

HOST = "0.0.0.0"
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
MAX_USERS = 3

lock = threading.Lock()
members = {}  # socket -> name (None until it has joined)


def send(conn, line):
    try:
        conn.sendall((line + "\n").encode())
    except OSError:
        pass


def broadcast(sender, line):
    with lock:
        others = [c for c, name in members.items() if c is not sender and name is not None]
    for conn in others:
        send(conn, line)


def serve(conn):
    name = None
    reader = conn.makefile("r", encoding="utf-8", newline="\n")
    try:
        for raw in reader:
            line = raw.rstrip("\r\n")
            if name is None:
                if not line.startswith("JOIN ") or not line[5:].strip():
                    send(conn, "ERROR say JOIN <name> first")
                    continue
                name = line[5:].strip()
                # The room hears of it before the newcomer is welcomed: whoever joins after the
                # welcome is not in the room yet, and is not told of a join that came before theirs.
                broadcast(conn, "* " + name + " joined")
                with lock:
                    members[conn] = name
                send(conn, "WELCOME " + name)
            elif line == "LEAVE":
                send(conn, "BYE")
                break
            else:
                broadcast(conn, name + ": " + line)
    except (OSError, UnicodeDecodeError):
        pass
    finally:
        with lock:
            members.pop(conn, None)
        if name is not None:
            broadcast(conn, "* " + name + " left")
        conn.close()


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print("Chat server listening on %s:%d" % (HOST, PORT), flush=True)
    while True:
        conn, address = server.accept()
        with lock:
            full = len(members) >= MAX_USERS
            if not full:
                members[conn] = None
        if full:
            send(conn, "ROOM FULL")
            conn.close()
            print("Turned away %s:%d: the room is full" % address, flush=True)
            continue
        print("Connection from %s:%d" % address, flush=True)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
