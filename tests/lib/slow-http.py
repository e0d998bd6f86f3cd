# An HTTP server on loopback for import tests: GET /slow/NAME sends 40 MiB
# slowly (about 30 s) with a Content-Length; any other path sends 40 MiB at
# once without one. Usage: python3 slow-http.py PORT
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        size, slow = 40 << 20, self.path.startswith("/slow/")
        self.send_response(200)
        if slow:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            for _ in range(size >> 16):
                self.wfile.write(b"x" * 65536)
                if slow:
                    time.sleep(0.05)
        except OSError:
            pass
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
