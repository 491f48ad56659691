#!/usr/bin/env bash
# Exports a notebook as HTML and screenshots the page in headless Chromium, to look at
# what a reader sees: highlighted code, embedded figures, tables, math.
#
#   Scripts/render_html.sh NB.lua [OUT.png] [WIDTHxHEIGHT]     (default NB.png, 1000x1600)
#
# The page loads MathJax from its CDN. Offline, the TeX shows as written; to see it
# typeset anyway, point MATHJAX_ES5 at a local copy of MathJax 3.2.2's es5/ folder
# (npm's mathjax package has one): it is served under the CDN's name on 127.0.0.1,
# so the page's Content-Security-Policy is the one under test.
set -euo pipefail

nb=$(realpath "${1:?usage: Scripts/render_html.sh NB.lua [OUT.png] [WIDTHxHEIGHT]}")
png=$(realpath -m "${2:-$(basename "${nb%.lua}").png}")
size=${3:-1000x1600}
bin=$(dirname "$0")/../.build/release/lstmlua
[ -x "$bin" ] || { echo "build first: swift build -c release" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin" export "$nb" --to html -o "$work/page.html" >/dev/null

flags=()
if [ -n "${MATHJAX_ES5:-}" ]; then
  mkdir -p "$work/cdn/npm/mathjax@3.2.2"
  ln -s "$(realpath "$MATHJAX_ES5")" "$work/cdn/npm/mathjax@3.2.2/es5"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=cdn.jsdelivr.net \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  port=$((20000 + RANDOM % 20000))
  python3 - "$work" "$port" <<'EOF' &
import functools, http.server, ssl, sys
work, port = sys.argv[1], int(sys.argv[2])
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
handler = functools.partial(Quiet, directory=work + "/cdn")
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(work + "/cert.pem", work + "/key.pem")
server.socket = tls.wrap_socket(server.socket, server_side=True)
server.serve_forever()
EOF
  server=$!
  sleep 1
  flags+=(--host-resolver-rules="MAP cdn.jsdelivr.net:443 127.0.0.1:$port" --ignore-certificate-errors)
fi

# the virtual time lets MathJax typeset before the shot
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="${size/x/,}" \
  --virtual-time-budget=8000 "${flags[@]}" --screenshot="$png" "$work/page.html" 2>/dev/null
echo "wrote $png"
