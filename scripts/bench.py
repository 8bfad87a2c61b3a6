#!/usr/bin/env python3
"""Runs each contestant under GNU time, checks that the answers agree, prints a table.

  bench.py PROVINCE_DIR WORK_DIR
"""
import csv, os, shutil, statistics, subprocess, sys, tempfile

prov, work = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# THIDUA_BIN: another build of thidua, to compare two builds on the same machine
thidua = os.environ.get("THIDUA_BIN", os.path.join(root, "target/release/thidua"))
shared = os.path.join(root, "..", "shared")
dossiers = os.path.join(prov, "dossiers.csv")
size_mb = os.path.getsize(dossiers) / 1e6
with open(dossiers, "rb") as f:
    rows = sum(1 for _ in f) - 1
AS_OF = "2023-12-31 23:59:59"


def timed(cmd, stdout=subprocess.DEVNULL, stdin=None):
    """(wall seconds, peak resident MB) of one run."""
    with tempfile.NamedTemporaryFile("r") as t:
        subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %M"] + cmd, check=True, stdout=stdout, stdin=stdin)
        wall, kb = t.read().split()[-2:]
    return float(wall), int(kb) / 1024


def read_rows(path):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            out[(r["ind"], r["unit"], r["m"])] = (float(r["num"]), float(r["den"]))
    return out


results = []
# BENCH_SKIP=analytics,store,postgres,xlsx leaves those steps out
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))


def changed_copy(monthly):
    """The monthly file with every row changed: the minute of each completion moved (a row
    still pending is completed at its due time). Most rows of a real re-export are as
    stored, which a store need not write again; this is the case where none is."""
    path = monthly.replace(".csv", "-changed.csv")
    with open(monthly) as f, open(path, "w") as out:
        out.write(f.readline())
        for line in f:
            c = line.rstrip("\n").split(",")
            if c[5]:
                c[5] = c[5][:14] + ("58" if c[5][14:16] == "59" else "59")
            else:
                c[5], c[7] = c[4], "da_tra_ket_qua"
            out.write(",".join(c) + "\n")
    return path


def reimports(run_cmd, monthly, label):
    """The monthly file into the full store, then the evaluation; then the same with every
    row changed."""
    for name, path in [("", monthly), (", every row changed", changed_copy(monthly))]:
        w, m = timed(run_cmd("import", "dossiers", path))
        report(f"thidua import 100k into the full store{label}{name}", w, m, 100_000)
        w2, m2 = timed(run_cmd("evaluate", "--year", "2023", "--format", "json"))
        report(f"thidua evaluate (whole province{label})", w2, m2, rows)
        print(f"  the 100k re-import{name} and the evaluation after it{label}: {w + w2:.2f} s")


def fresh_store(path):
    """A new store holding the province's units, heads and procedures."""
    shutil.rmtree(path, ignore_errors=True)
    run = lambda *a: subprocess.run([thidua, "--data-dir", path] + list(a), check=True, stdout=subprocess.DEVNULL)
    run("init")
    for kind in ["units", "heads", "procedures"]:
        run("import", kind, os.path.join(prov, f"{kind}.csv"))
    return run


def report(name, wall, mem, n_rows, peer=None):
    results.append((name, wall, mem, n_rows, peer))
    ratio = f"{wall / peer[1]:.3f} of {peer[0]}" if peer else ""
    print(f"{name:50s} {wall:8.2f} s {mem:8.0f} MB {n_rows / wall:12,.0f} rows/s {size_mb / wall if n_rows == rows else 0:8.1f} MB/s  {ratio}", flush=True)


print(f"file: {dossiers}: {rows:,} rows, {size_mb:,.0f} MB; {os.cpu_count()} cores")

# 1. dossier analytics straight from the file: the two take turns, ROUNDS times (this
# virtual machine's speed drifts from minute to minute, and DuckDB's most of all), and the
# medians are compared
if "analytics" not in SKIP:
    ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
    duck_out, our_out = os.path.join(work, "duckdb.csv"), os.path.join(work, "thidua.csv")
    duck_runs, our_runs = [], []
    for r in range(ROUNDS):
        duck_runs.append(timed(["python3", os.path.join(shared, "tools/duckdb_baseline.py"), prov, os.path.join(shared, "data/calendar-vn.csv"),
                                "--threads", "2", "--as-of", AS_OF, "--out", duck_out]))
        with open(our_out, "w") as out:
            our_runs.append(timed([thidua, "dossier-stats", dossiers, "--procedures", os.path.join(prov, "procedures.csv"), "--as-of", AS_OF.replace(" ", "T")], stdout=out))
        print(f"  round {r + 1}: DuckDB {duck_runs[-1][0]:.2f} s, thidua {our_runs[-1][0]:.2f} s, ratio {our_runs[-1][0] / duck_runs[-1][0]:.3f}", flush=True)
    median = lambda runs: (statistics.median(w for w, _ in runs), max(m for _, m in runs))
    w, m = median(duck_runs)
    report(f"duckdb_baseline.py (2 threads), median of {ROUNDS}", w, m, rows)
    duck = ("DuckDB", w)
    w, m = median(our_runs)
    report(f"thidua dossier-stats, median of {ROUNDS}", w, m, rows, duck)
    a, b = read_rows(duck_out), read_rows(our_out)
    same = a.keys() == b.keys() and all(abs(a[k][0] - b[k][0]) < 1e-6 and abs(a[k][1] - b[k][1]) < 1e-6 for k in a)
    print(f"  same rows as DuckDB: {'yes' if same else 'NO'} ({len(b):,} rows)")

if "store" not in SKIP:
    # 2. loading the file into a table keyed by dossier code
    peer_db = os.path.join(work, "peer.db")
    if os.path.exists(peer_db):
        os.remove(peer_db)
    w, m = timed(["sqlite3", peer_db, ".mode csv", f".import {dossiers} staging",
                  "CREATE TABLE d (ma_ho_so TEXT PRIMARY KEY, ma_don_vi, ma_tthc, ngay_tiep_nhan, han_xu_ly, ngay_ket_qua, kenh_nop, trang_thai)",
                  "INSERT OR REPLACE INTO d SELECT * FROM staging"])
    report("sqlite3 .import + INSERT OR REPLACE", w, m, rows)
    peer = ("sqlite3", w)
    os.remove(peer_db)
    data = os.path.join(work, "store")
    run = fresh_store(data)
    w, m = timed([thidua, "--data-dir", data, "import", "dossiers", dossiers])
    report("thidua import dossiers", w, m, rows, peer)
    run("import", "values", os.path.join(prov, "values.csv"))

    # 3. a monthly export of 100,000 rows into the full store, then the evaluation
    monthly = os.path.join(work, "monthly.csv")
    with open(dossiers) as f, open(monthly, "w") as out:
        out.write(f.readline())
        lines = f.readlines()[-100_000:]
        out.writelines(lines)
    reimports(lambda *a: [thidua, "--data-dir", data] + list(a), monthly, "")


# 5. the same on PostgreSQL (BENCH_SKIP=postgres leaves it out): the peer is psql's \copy
# into a staging table, then one INSERT … SELECT DISTINCT ON … ON CONFLICT into a table keyed
# by the dossier code (the later row of a code wins, as in the store); the server at
# THIDUA_BENCH_PG (default postgres://postgres@127.0.0.1:5432), each in a fresh database.
# Peak memory is the client's (psql, thidua); the server's is not in it.
if "postgres" not in SKIP:
    server = os.environ.get("THIDUA_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    def fresh_db(name):
        for sql in [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"]:
            subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True, stdout=subprocess.DEVNULL)
        return f"{server}/{name}"
    cols = "ma_ho_so, ma_don_vi, ma_tthc, ngay_tiep_nhan, han_xu_ly, ngay_ket_qua, kenh_nop, trang_thai"
    peer_url = fresh_db("thidua_bench_peer")
    sets = ", ".join(f"{c} = excluded.{c}" for c in cols.split(", ")[1:])
    w, m = timed(["psql", peer_url, "-q", "-v", "ON_ERROR_STOP=1",
                  "-c", "CREATE TABLE staging (seq BIGSERIAL, " + ", ".join(f"{c} TEXT" for c in cols.split(", ")) + ")",
                  "-c", f"\\copy staging ({cols}) FROM '{dossiers}' CSV HEADER",
                  "-c", "CREATE TABLE d (ma_ho_so TEXT PRIMARY KEY, " + ", ".join(f"{c} TEXT" for c in cols.split(", ")[1:]) + ")",
                  "-c", f"INSERT INTO d SELECT DISTINCT ON (ma_ho_so) {cols} FROM staging ORDER BY ma_ho_so, seq DESC ON CONFLICT (ma_ho_so) DO UPDATE SET {sets}"])
    report("psql \\copy + INSERT … ON CONFLICT", w, m, rows)
    pg_peer = ("psql", w)
    fresh_db("thidua_bench_peer")
    url = fresh_db("thidua_bench")
    pg_dir = os.path.join(work, "store-pg")
    shutil.rmtree(pg_dir, ignore_errors=True)
    pg = lambda *a: [thidua, "--data-dir", pg_dir, "--database-url", url] + list(a)
    subprocess.run(pg("init"), check=True, stdout=subprocess.DEVNULL)
    for kind in ["units", "heads", "procedures"]:
        subprocess.run(pg("import", kind, os.path.join(prov, f"{kind}.csv")), check=True, stdout=subprocess.DEVNULL)
    w, m = timed(pg("import", "dossiers", dossiers))
    report("thidua import dossiers (PostgreSQL)", w, m, rows, pg_peer)
    subprocess.run(pg("import", "values", os.path.join(prov, "values.csv")), check=True, stdout=subprocess.DEVNULL)
    monthly = os.path.join(work, "monthly.csv")
    with open(dossiers) as f, open(monthly, "w") as out:
        out.write(f.readline())
        out.writelines(f.readlines()[-100_000:])
    reimports(pg, monthly, ", PostgreSQL")
    if os.environ.get("BENCH_KEEP_PG") != "1":
        fresh_db("thidua_bench")

# 4. the largest XLSX Excel can hold
if "xlsx" in SKIP:
    sys.exit(0)
xlsx = os.path.join(work, "dossiers.xlsx")
if not os.path.exists(xlsx):
    subprocess.run([os.path.join(root, "target/release/examples/make_xlsx"), dossiers, xlsx, "1048576"], check=True)
data2 = os.path.join(work, "store-xlsx")
fresh_store(data2)
w, m = timed([thidua, "--data-dir", data2, "import", "dossiers", xlsx])
report("thidua import XLSX (1,048,575 rows)", w, m, 1_048_575)
shutil.rmtree(data2, ignore_errors=True)
