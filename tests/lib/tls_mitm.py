"""A man in the middle for tests: listens where a client dials and relays
to the real server, either passing TLS through untouched or ending it with
a certificate of its own and opening its own TLS to the server (so it reads
everything: a pool password, say). switch_after=N passes the first N
connections through, then intercepts: a server that changes certificate
after a client read the first one."""
import socket
import ssl
import threading


class Mitm:
    def __init__(self, listen_ip, target, certfile, keyfile, switch_after=0):
        self.target, self.switch_after = target, switch_after
        self.connections, self.seen = 0, b""  # what it read in the clear
        self.server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.load_cert_chain(certfile, keyfile)
        self.client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client.check_hostname, self.client.verify_mode = False, ssl.CERT_NONE
        self.sock = socket.socket()
        self.sock.bind((listen_ip, 0))
        self.sock.listen(8)
        self.address = f"{listen_ip}:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections > self.switch_after),
                             daemon=True).start()

    def _serve(self, conn, intercept):
        try:
            up = socket.create_connection(self.target, 5)
            if intercept:
                conn = self.server.wrap_socket(conn, server_side=True)
                up = self.client.wrap_socket(up)
            threading.Thread(target=self._pipe, args=(up, conn, False), daemon=True).start()
            self._pipe(conn, up, intercept)
        except (OSError, ssl.SSLError):
            conn.close()

    def _pipe(self, src, dst, record):
        try:
            while data := src.recv(65536):
                if record:
                    self.seen += data
                dst.sendall(data)
        except (OSError, ssl.SSLError):
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self):
        self.sock.close()
