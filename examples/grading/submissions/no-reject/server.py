"""A buggy submission: it never turns a fourth client away (its limit is 100)."""
import datetime
import os
import socket
import sys
import threading

HOST = '0.0.0.0'
PORT = 12345
MAX_CLIENTS = 100
SERVER_FILES = 'server_files'

clients = {}
client_counter = 0
lock = threading.Lock()


def handle_client(conn, addr, name):
    try:
        while True:
            data = conn.recv(1024).decode()
            if not data:
                break
            if data == 'exit':
                print(f"{name} disconnected.", flush=True)
                break
            elif data == 'status':
                with lock:
                    status = "\n".join(
                        f"{n}: {info['address']} - Connected at {info['connected_at']}" for n, info in clients.items()
                    )
                conn.send(status.encode())
            elif data == 'list':
                files = os.listdir(SERVER_FILES)
                conn.send(("\n".join(files) if files else "No files available.").encode())
            elif data.startswith('get '):
                path = os.path.join(SERVER_FILES, data[4:])
                if os.path.isfile(path):
                    with open(path, 'rb') as f:
                        conn.sendall(f.read())
                else:
                    conn.send(b"File not found")
            else:
                conn.send(f"{data} ACK".encode())
    except Exception as e:
        print(f"Error with {name}: {e}", flush=True)
    finally:
        with lock:
            clients.pop(name, None)
        conn.close()


def main():
    global client_counter
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Server listening on {HOST}:{PORT}", flush=True)
    while True:
        conn, addr = server.accept()
        with lock:
            full = len(clients) >= MAX_CLIENTS
            if not full:
                client_counter += 1
                name = f"Client{client_counter:02d}"
                clients[name] = {'address': addr, 'connected_at': datetime.datetime.now()}
        if full:
            conn.send(b"Server is full. Try again later.")
            conn.close()
            print(f"Rejected connection from {addr}. Server is full.", flush=True)
            continue
        print(f"{name} connected from {addr}", flush=True)
        threading.Thread(target=handle_client, args=(conn, addr, name), daemon=True).start()


if __name__ == '__main__':
    main()
