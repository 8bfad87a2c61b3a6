#!/usr/bin/env python3
"""Serves a province and loads each page with wrk; prints requests/s, p50/p99 and the ratio
to the trivial endpoint (/healthz) measured in the same run, then the server's memory.

  load.py PROVINCE_DIR WORK_DIR
"""
import gzip, http.client, os, re, shutil, socket, subprocess, sys, time, urllib.parse

prov, work = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
thidua = os.path.join(root, "target/release/thidua")
store = os.path.join(work, "load-store")
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "64"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "15"))
PASSWORD = "do-tai-trang-2023-vt"
# Every request says what a browser says (LOAD_GZIP=0: nothing), so pages may come gzip.
ACCEPT = {"Accept-Encoding": "gzip, deflate, br"} if os.environ.get("LOAD_GZIP", "1") != "0" else {}


# THIDUA_LOAD_PG=postgres://USER@HOST:PORT: the store in a fresh database `thidua_load` on
# that PostgreSQL server (dropped at the end) instead of the embedded one.
PG = os.environ.get("THIDUA_LOAD_PG")
db_args = []
if PG:
    for sql in ["DROP DATABASE IF EXISTS thidua_load WITH (FORCE)", "CREATE DATABASE thidua_load"]:
        subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, stdout=subprocess.DEVNULL)
    db_args = ["--database-url", f"{PG}/thidua_load"]


def run(*args, stdin=None):
    return subprocess.run([thidua, "--data-dir", store] + db_args + list(args), check=True, input=stdin,
                          capture_output=True, text=True).stdout


# 1. a store holding the province (2023: the plan period is over, so pages are final)
shutil.rmtree(store, ignore_errors=True)
run("init")
for kind in ["units", "heads", "procedures", "dossiers"]:
    t = time.time()
    run("import", kind, os.path.join(prov, f"{kind}.csv"))
    print(f"import {kind}: {time.time() - t:.1f} s", flush=True)
run("user", "add", "taikiemtra", "--role", "so_noi_vu", "--password-stdin", stdin=PASSWORD + "\n")
token = re.search(r"\b[0-9a-f]{64}\b", run("token", "create", "taikiemtra", "--label", "load")).group(0)
unit = next(l.split(",")[0] for l in open(os.path.join(prov, "units.csv"), encoding="utf-8-sig").read().splitlines()[1:]
            if ",huyen" in l or ",tinh" in l)

# 2. the server
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([thidua, "--data-dir", store] + db_args + ["serve", "--listen", f"127.0.0.1:{port}"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def get(path, headers=None, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r.status, r.getheader("set-cookie") or "", data.decode("utf-8", "replace")


for _ in range(600):
    try:
        if get("/readyz")[0] == 200:
            break
    except OSError:
        pass
    time.sleep(0.1)

# 3. a signed-in session (the office): the sign-in form's token and cookie, then the form
status, pre, page = get("/dang-nhap")
csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
pre_cookie = pre.split(";")[0]
body = urllib.parse.urlencode({"_csrf": csrf, "username": "taikiemtra", "password": PASSWORD})
status, cookie, _ = get("/dang-nhap", {"Cookie": pre_cookie, "Content-Type": "application/x-www-form-urlencoded"}, "POST", body)
assert status == 303, f"sign-in: {status}"
session = cookie.split(";")[0]

pages = [
    ("trivial: /healthz", "/healthz", None),
    ("static CSS", "/static/app.css", None),
    ("overview /tong-quan", "/tong-quan?nam=2023", session),
    (f"unit page /don-vi/{unit}", f"/don-vi/{unit}?nam=2023", session),
    ("honour board /bang-vang", "/bang-vang?nam=2023", None),
    ("API /api/v1/ranking", "/api/v1/ranking?year=2023", None),
]

# 4. warm: each page once (the first computes the year's evaluation)
for name, path, cookie in pages:
    headers = {"Cookie": cookie} if cookie else {}
    if path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {token}"
    t = time.time()
    st = get(path, headers)[0]
    assert st == 200, f"{path}: {st}"
    print(f"warm {path}: {time.time() - t:.2f} s", flush=True)


def size(path, cookie):
    """(bytes as sent, bytes of the page) of one response."""
    headers = {"Cookie": cookie} if cookie else {}
    if path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {token}"
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("GET", path, headers={**headers, **ACCEPT})
    r = c.getresponse()
    sent = r.read()
    page = gzip.decompress(sent) if r.getheader("content-encoding") == "gzip" else sent
    return len(sent), len(page)


def wrk(path, cookie):
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "5s"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    for k, v in ACCEPT.items():
        args += ["-H", f"{k}: {v}"]
    if path.startswith("/api/"):
        args += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(args + [f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(q):
        v, unit = re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return rps, ms(50), ms(99), int(errors.group(1)) if errors else 0, int(timeouts.group(1)) if timeouts else 0


def rss():
    status = open(f"/proc/{server.pid}/status").read()
    return {k: int(re.search(rf"{k}:\s+(\d+)", status).group(1)) // 1024 for k in ["VmRSS", "VmHWM"]}, \
        int(re.search(r"Threads:\s+(\d+)", status).group(1))


where = "PostgreSQL on the same machine" if PG else "the embedded store"
print(f"\n{CONNECTIONS} connections, {SECONDS} s each, {os.cpu_count()} cores, server and wrk on one machine, {where}")
print(f"{'page':34s} {'req/s':>10s} {'of trivial':>11s} {'p50 ms':>8s} {'p99 ms':>8s} {'non-2xx':>8s} {'timeouts':>8s} {'KB':>7s} {'sent KB':>8s} {'MB/s':>7s}")
base = None
try:
    for name, path, cookie in pages:
        rps, p50, p99, bad, timeouts = wrk(path, cookie)
        base = base or rps
        sent, kb = (n / 1024 for n in size(path, cookie))
        print(f"{name:34s} {rps:10,.0f} {rps / base:10.1%} {p50:8.2f} {p99:8.2f} {bad:8d} {timeouts:8d} {kb:7.1f} {sent:8.1f} {rps * sent / 1024:7.1f}", flush=True)
    mem, threads = rss()
    print(f"server after the run: {mem['VmRSS']} MB resident, peak {mem['VmHWM']} MB, {threads} threads")
finally:
    server.terminate()
    server.wait()
    if PG:
        subprocess.run(["psql", f"{PG}/postgres", "-qc", "DROP DATABASE IF EXISTS thidua_load WITH (FORCE)"],
                       check=True, stdout=subprocess.DEVNULL)
